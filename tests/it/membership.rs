//! How good keyword membership is, judged against labels nobody here wrote (issue 13, SPEC §11).
//!
//! The bundled demo enterprises are real listed companies; each has a Shenwan (申万 2021)
//! industry in `tests/fixtures/membership/shenwan-labels.tsv`, and
//! `tests/fixtures/membership/chain-industries.tsv` says by hand which Shenwan industries live on
//! each shipped chain (core, related, or off it). Membership is computed by the library from the
//! records alone — the labels the demo prints in descriptions are never read by it — and scored
//! per chain: precision = members whose label is core or related / all members; recall = core
//! firms that are members / all core firms.
//!
//! Shenwan gives one industry per firm while real firms are diversified and the demo's product
//! lists mix report years, so a blind review (`tests/fixtures/membership/reviewed.tsv`: three
//! reviewers who saw the chain and the firm's products, never the library's answer nor the label)
//! gave a verdict on every (chain, firm) pair where membership and the key disagreed, and on one in
//! three agreements; the review replaces the key for those pairs. Both scores are printed; the
//! floors hold the reviewed one.
//!
//! The set is split by stock symbol: symbols divisible by 3 are held out (their firms were never
//! listed while tuning keywords); the rest is for tuning. The test holds the held-out level.
//! `scripts/eval-membership` prints the whole table, and with `MEMBERSHIP_EVAL_SHOW=chain-id`
//! lists the tuning part's wrong members and missed firms with their evidence.

use chainscout::graph::Graph;
use chainscout::model::chain::parse_chain_toml;
use chainscout::model::{Enterprise, EnterpriseId, EnterprisePatch};
use std::collections::{BTreeMap, HashMap};

const LABELS: &str = include_str!("../fixtures/membership/shenwan-labels.tsv");
const KEY: &str = include_str!("../fixtures/membership/chain-industries.tsv");
const REVIEWED: &str = include_str!("../fixtures/membership/reviewed.tsv");

/// Which labels a score is taken against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Labels {
    /// The Shenwan key alone, as written before tuning.
    KeyOnly,
    /// The key, with the blind review's verdict where a (chain, firm) pair was reviewed.
    Reviewed,
}

/// (chain id, stock code) → the blind reviewer's verdict as a role: `on` is core, `off` is off,
/// `unsure` is related (neither counted wrong nor missed).
fn reviewed() -> HashMap<(String, String), Role> {
    REVIEWED
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let role = match f[2] {
                "on" => Role::Core,
                "off" => Role::Off,
                "unsure" => Role::Related,
                other => panic!("unknown verdict {other} in reviewed.tsv"),
            };
            ((f[0].to_string(), f[1].to_string()), role)
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Core,
    Related,
    Off,
}

struct Labelled {
    enterprise: Enterprise,
    /// Shenwan levels 1–3.
    label: [String; 3],
    held_out: bool,
}

fn demo() -> Vec<Labelled> {
    let labels: HashMap<&str, [String; 3]> = LABELS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0], [f[1].to_string(), f[2].to_string(), f[3].to_string()])
        })
        .collect();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut out = Vec::new();
    for (i, line) in chainscout::demo::ENTERPRISES_JSONL.lines().enumerate() {
        let record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        let e = EnterprisePatch::from_record(&record, today)
            .unwrap()
            .into_new(EnterpriseId(i as u64 + 1))
            .unwrap();
        let symbol = e.stock_code.as_deref().unwrap().split('.').next().unwrap().to_string();
        let Some(label) = labels.get(symbol.as_str()) else { continue };
        if e.products.is_empty() {
            continue;
        }
        let held_out = symbol.parse::<u64>().unwrap() % 3 == 0;
        out.push(Labelled { enterprise: e, label: label.clone(), held_out });
    }
    out
}

/// chain → (Shenwan "level 2" or "level 2/level 3") → role.
fn key() -> BTreeMap<String, Vec<(String, Role)>> {
    let mut out: BTreeMap<String, Vec<(String, Role)>> = BTreeMap::new();
    for line in KEY.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let role = match f[1] {
            "core" => Role::Core,
            "related" => Role::Related,
            other => panic!("unknown role {other} in chain-industries.tsv"),
        };
        out.entry(f[0].to_string()).or_default().push((f[2].to_string(), role));
    }
    out
}

fn role(key: &[(String, Role)], label: &[String; 3]) -> Role {
    let exact = format!("{}/{}", label[1], label[2]);
    // The most specific entry wins: a level-3 entry over its level-2 one.
    key.iter()
        .find(|(k, _)| *k == exact)
        .or_else(|| key.iter().find(|(k, _)| *k == label[1]))
        .map_or(Role::Off, |(_, r)| *r)
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    members: usize,
    wrong: usize,
    core: usize,
    core_found: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.members == 0 { 1.0 } else { 1.0 - self.wrong as f64 / self.members as f64 }
    }
    fn recall(&self) -> f64 {
        if self.core == 0 { 1.0 } else { self.core_found as f64 / self.core as f64 }
    }
}

/// Per chain: (tuning part, held-out part).
fn evaluate(labels: Labels) -> BTreeMap<String, (Score, Score)> {
    evaluate_with(None, labels)
}

/// The same with every chain's `min_strength` set to `min_strength` (for the sweep).
fn evaluate_with(min_strength: Option<f64>, labels: Labels) -> BTreeMap<String, (Score, Score)> {
    let firms = demo();
    let chains: Vec<_> = chainscout::demo::CHAIN_FILES
        .iter()
        .map(|(name, text)| {
            let mut c = parse_chain_toml(name, text).unwrap();
            if let Some(m) = min_strength {
                c.min_strength = m;
            }
            c
        })
        .collect();
    let graph = Graph::build(chains.clone(), firms.iter().map(|f| &f.enterprise));
    let key = key();
    let reviewed = if labels == Labels::Reviewed { reviewed() } else { HashMap::new() };
    let show = std::env::var("MEMBERSHIP_EVAL_SHOW").ok().filter(|_| labels == Labels::Reviewed);
    let mut out = BTreeMap::new();
    for chain in &chains {
        let chain_key = key.get(&chain.id).unwrap_or_else(|| panic!("no key for chain {}", chain.id));
        let mut scores = (Score::default(), Score::default());
        for f in &firms {
            let member = graph.is_in_chain(f.enterprise.id, &chain.id);
            let stock = f.enterprise.stock_code.clone().unwrap_or_default();
            let r = reviewed
                .get(&(chain.id.clone(), stock))
                .copied()
                .unwrap_or_else(|| role(chain_key, &f.label));
            let s = if f.held_out { &mut scores.1 } else { &mut scores.0 };
            if member {
                s.members += 1;
                if r == Role::Off {
                    s.wrong += 1;
                }
            }
            if r == Role::Core {
                s.core += 1;
                if member {
                    s.core_found += 1;
                }
            }
            if show.as_deref() == Some(chain.id.as_str()) && !f.held_out {
                let why = || {
                    graph
                        .links_of(f.enterprise.id)
                        .into_iter()
                        .filter(|m| m.link.chain == chain.id)
                        .map(|m| {
                            let ev: Vec<String> = m
                                .evidence
                                .iter()
                                .map(|e| match e {
                                    chainscout::graph::Evidence::Keyword { product, keyword } => {
                                        format!("{keyword}@{product}")
                                    }
                                    other => format!("{other:?}"),
                                })
                                .collect();
                            format!(
                                "{}({:.2}{}):{}",
                                m.link.link,
                                m.strength,
                                if m.counted { "" } else { " weak" },
                                ev.join(",")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                if member && r == Role::Off {
                    println!("WRONG  {} [{}] {}", f.enterprise.name, f.label.join("/"), why());
                }
                if !member && r == Role::Core {
                    let products: Vec<String> = f
                        .enterprise
                        .products
                        .iter()
                        .map(|p| {
                            format!(
                                "{}{}",
                                p.name,
                                p.share.map(|s| format!(" {:.0}%", s * 100.0)).unwrap_or_default()
                            )
                        })
                        .collect();
                    println!(
                        "MISSED {} [{}] {} | {}",
                        f.enterprise.name,
                        f.label.join("/"),
                        products.join("、"),
                        why()
                    );
                }
            }
        }
        out.insert(chain.id.clone(), scores);
    }
    if let Some(path) = std::env::var("MEMBERSHIP_EVAL_DUMP").ok().filter(|_| labels == Labels::KeyOnly) {
        dump_for_review(&path, &chains, &firms, &graph, &key);
    }
    out
}

/// Writes the (chain, firm) pairs worth a human verdict, blind: the firm's name and products,
/// never the library's answer nor the Shenwan label, in an order that does not give either away.
/// Every pair where membership and the key disagree is there, and one in three of the pairs where
/// they agree on a member (so the review also checks agreements). `<path>.answers` keeps, for
/// the person running the review only, what the library and the key said.
fn dump_for_review(
    path: &str,
    chains: &[chainscout::model::chain::Chain],
    firms: &[Labelled],
    graph: &Graph,
    key: &BTreeMap<String, Vec<(String, Role)>>,
) {
    use std::fmt::Write as _;
    let mut rows = Vec::new();
    for chain in chains {
        for f in firms {
            let member = graph.is_in_chain(f.enterprise.id, &chain.id);
            let r = role(&key[&chain.id], &f.label);
            let disagree = (member && r == Role::Off) || (!member && r == Role::Core);
            // A stable pseudo-random pick from the ids, not from anything in the answer.
            let h = (f.enterprise.id.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ chain.id.len() as u64) >> 7;
            let sampled_agreement = member && r != Role::Off && h.is_multiple_of(3);
            if disagree || sampled_agreement {
                rows.push((h, chain.id.clone(), f, member, r));
            }
        }
    }
    rows.sort_by_key(|r| r.0);
    let (mut blind, mut answers) = (String::new(), String::new());
    blind.push_str("chain\tstock\tfirm\tproducts\n");
    for (_, chain, f, member, r) in rows {
        let products: Vec<String> = f
            .enterprise
            .products
            .iter()
            .map(|p| {
                format!("{}{}", p.name, p.share.map(|s| format!(" {:.0}%", s * 100.0)).unwrap_or_default())
            })
            .collect();
        let stock = f.enterprise.stock_code.clone().unwrap_or_default();
        let products = products.join("、").replace(['\t', '\n', '\r'], " ");
        writeln!(blind, "{chain}\t{stock}\t{}\t{products}", f.enterprise.name).unwrap();
        writeln!(answers, "{chain}\t{stock}\t{member}\t{r:?}\t{}", f.held_out).unwrap();
    }
    std::fs::write(path, blind).unwrap();
    std::fs::write(format!("{path}.answers"), answers).unwrap();
}

fn print_table(title: &str, results: &BTreeMap<String, (Score, Score)>) {
    println!("chain {title:<15} | tune P  R    (n)     | held-out P  R    (n)");
    for (chain, (t, h)) in results {
        println!(
            "{chain:<21} | {:.3} {:.3} ({:>3}/{:>3}) | {:.3} {:.3} ({:>3}/{:>3})",
            t.precision(),
            t.recall(),
            t.members,
            t.core,
            h.precision(),
            h.recall(),
            h.members,
            h.core
        );
    }
}

#[test]
fn keyword_membership_agrees_with_industry_labels_on_held_out_firms() {
    print_table("(Shenwan key)", &evaluate(Labels::KeyOnly));
    let results = evaluate(Labels::Reviewed);
    print_table("(reviewed)", &results);
    if std::env::var("MEMBERSHIP_EVAL_SWEEP").is_ok() {
        for m in [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5] {
            let line: Vec<String> = evaluate_with(Some(m), Labels::Reviewed)
                .iter()
                .map(|(c, (t, _))| format!("{}:{:.2}/{:.2}", &c[..6], t.precision(), t.recall()))
                .collect();
            println!("sweep {m:.2} {}", line.join(" "));
        }
    }
    // Issue 13's target is precision ≥ 0.9 and recall ≥ 0.8 on every chain, scored against the
    // Shenwan key corrected by the blind review (reviewed.tsv); three chains meet it on the held-out
    // firms (BENCHMARKS.md has the table). What this test holds is the measured held-out level,
    // less 0.05, so a change to keywords, shares or strength rules that makes answers worse fails
    // here. Raise a floor when a chain gets better.
    const FLOORS: &[(&str, f64, f64)] = &[
        ("biomedicine", 0.89, 0.78),
        ("carbon-fiber", 0.75, 0.95),
        ("green-food", 0.85, 0.76),
        ("industrial-robot", 0.78, 0.87),
        ("integrated-circuit", 0.76, 0.68),
        ("lithium-battery", 0.84, 0.60),
        ("new-energy-vehicle", 0.80, 0.64),
        ("photovoltaic", 0.86, 0.95),
    ];
    let mut failing = Vec::new();
    for (chain, p, r) in FLOORS {
        let (_, h) = results.get(*chain).unwrap_or_else(|| panic!("no result for {chain}"));
        if h.precision() < *p || h.recall() < *r {
            failing.push(format!(
                "{chain}: precision {:.3} (floor {p}), recall {:.3} (floor {r})",
                h.precision(),
                h.recall()
            ));
        }
    }
    assert_eq!(FLOORS.len(), results.len(), "every shipped chain has a floor");
    assert!(failing.is_empty(), "membership got worse on held-out firms: {failing:#?}");
    let meeting = results.values().filter(|(_, h)| h.precision() >= 0.9 && h.recall() >= 0.8).count();
    println!("chains meeting precision 0.9 / recall 0.8 on held-out firms: {meeting} of {}", results.len());
}
