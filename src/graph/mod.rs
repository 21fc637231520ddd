//! The petgraph view of all chains and the enterprises in their links.
//!
//! Derived from the store, never written to by anything but the app's write path, and rebuildable
//! at any time. One directed graph holds every link of every chain as a node and every flow as an
//! edge, so flows across chains are ordinary edges. Enterprises join links explicitly (their
//! `links` field), by a GB/T 4754 industry code that falls under one of the link's, or by
//! keyword: a product that **contains** a link keyword (and, where the link says so, with a
//! context word among the firm's products or name, and no veto word). Every membership keeps its
//! [`Evidence`] so users can see why, and a **strength** (SPEC §11): 1 for explicit and
//! industry-code memberships, else the revenue share of the matching products. Memberships below
//! the chain's `min_strength` are kept and shown as weak evidence, but count for nothing: not for
//! link status, not for leads, not for the `link` filter of search.

mod keywords;
mod status;

pub(crate) use status::subtrees;
pub use status::{ChainStatus, LinkState, LinkStatus};

use crate::model::chain::{DEFAULT_MIN_STRENGTH, KeywordContext};
use crate::model::product::share_of;
use crate::model::{
    Chain, CreditCode, Enterprise, EnterpriseFacts, EnterpriseId, LinkRef, Partner, RegionCode, Relation,
    Signal,
};
use keywords::KeywordMatcher;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::BTreeSet;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

/// Why an enterprise is in a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "via", rename_all = "lowercase")]
pub enum Evidence {
    /// The enterprise names the link in its `links` field.
    Explicit,
    /// One of its products contains one of the link's keywords.
    Keyword { product: String, keyword: String },
    /// Its GB/T 4754 industry code falls under one of the link's.
    Industry { code: String },
}

/// One link an enterprise is in, with why and how strongly.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub link: LinkRef,
    pub evidence: Vec<Evidence>,
    /// In [0, 1]: 1 for explicit and industry-code memberships, else the share of the firm's
    /// revenue the matching products bring (SPEC §11).
    pub strength: f64,
    /// At or above the chain's `min_strength`: counts for status and leads. Else weak evidence.
    pub counted: bool,
}

/// What the graph keeps of an enterprise: enough for statuses and lists, not the whole record.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseBrief {
    pub id: EnterpriseId,
    pub name: String,
    pub region: RegionCode,
    pub leader: bool,
    pub restricted: bool,
    pub registered_capital: Option<f64>,
    pub listed: bool,
    /// Tags (empty for most firms): leader tags make a lead stronger.
    pub tags: Box<[String]>,
    /// Hash of the credit code, to keep the credit-code lookup in step on removal.
    credit_hash: Option<u64>,
    /// Expansion signals (扩产, 融资, …) for lead scoring.
    pub signals: Box<[Signal]>,
    /// Declared supply partners, as written (credit code or exact name).
    pub partners: Box<[Partner]>,
    /// Main products (the evidence of keyword memberships points into this list).
    pub products: Box<[Box<str>]>,
}

/// One membership: the member's region (for counting without lookups), why it is a member and
/// how strongly, kept compact (a million enterprises have several million memberships).
#[derive(Debug, Clone)]
struct Member {
    region: RegionCode,
    evidence: EvidenceList,
    strength: f32,
    /// `strength` reaches the chain's `min_strength`.
    counted: bool,
}

/// Most memberships have one piece of evidence: keep it inline.
#[derive(Debug, Clone)]
enum EvidenceList {
    One(EvidenceRef),
    Many(Box<[EvidenceRef]>),
}

impl EvidenceList {
    fn new(mut v: Vec<EvidenceRef>) -> Self {
        if v.len() == 1 { EvidenceList::One(v.remove(0)) } else { EvidenceList::Many(v.into()) }
    }

    fn as_slice(&self) -> &[EvidenceRef] {
        match self {
            EvidenceList::One(e) => std::slice::from_ref(e),
            EvidenceList::Many(v) => v,
        }
    }
}

/// [`Evidence`] by reference: the index of the product in the enterprise's list and of the
/// keyword in the matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvidenceRef {
    Explicit,
    Keyword {
        product: u16,
        keyword: u32,
    },
    /// Index into the graph's list of link industry codes.
    Industry {
        code: u16,
    },
}

/// What one enterprise record says about one link while its memberships are worked out.
#[derive(Default)]
struct Found {
    evidence: Vec<EvidenceRef>,
    /// Explicit or by industry code: strength 1.
    certain: bool,
    /// Indexes of the products whose keywords matched.
    products: Vec<usize>,
}

/// A resolved supply tie with both sides' regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SupplyTie {
    pub supplier: EnterpriseId,
    pub supplier_region: RegionCode,
    pub customer: EnterpriseId,
    pub customer_region: RegionCode,
}

/// A link as a graph node.
#[derive(Debug, Clone)]
pub struct LinkNode {
    pub chain: String,
    pub link: String,
}

/// Chains, links, flows and memberships.
#[derive(Default)]
pub struct Graph {
    chains: BTreeMap<String, Chain>,
    flows: DiGraph<LinkNode, ()>,
    node_of: HashMap<LinkRef, NodeIndex>,
    matcher: KeywordMatcher,
    /// link node → words that veto a keyword match.
    exclude: HashMap<NodeIndex, Vec<String>>,
    /// (link node, keyword index) → the context a match of that keyword needs.
    context: HashMap<(NodeIndex, u32), KeywordContext>,
    /// Link industry codes (中类 or finer) → the link nodes that list them; `industry_codes`
    /// holds each code once, for evidence.
    by_industry: HashMap<String, Vec<NodeIndex>>,
    industry_codes: Vec<String>,
    /// link node → enterprise → why.
    members: HashMap<NodeIndex, BTreeMap<EnterpriseId, Member>>,
    /// enterprise → the link nodes it is in (to remove it again).
    memberships: HashMap<EnterpriseId, Vec<NodeIndex>>,
    enterprises: HashMap<EnterpriseId, EnterpriseBrief>,
    /// Hash of a name → an enterprise with it (partners are named by exact name); further
    /// enterprises with the same name hash (same name, other region) go to `more_by_name`.
    by_name: HashMap<u64, EnterpriseId>,
    more_by_name: HashMap<u64, Vec<EnterpriseId>>,
    /// 64-bit hash of a credit code → enterprise (two codes sharing a hash among a million:
    /// odds about 1 in 30 million).
    by_credit_code: HashMap<u64, EnterpriseId>,
    /// Enterprises that declare partners, to find supply ties without scanning everyone.
    with_partners: BTreeSet<EnterpriseId>,
    /// Resolved supply ties, computed on first use after a change.
    ties: std::sync::OnceLock<Vec<SupplyTie>>,
    /// Every link's name and keywords in one text, for [`Graph::find_links`]; made on first use
    /// after the chains change.
    link_text: std::sync::OnceLock<LinkText>,
    /// Kept up to date by every change, so statuses cost nothing to read: for each link, the
    /// enterprises local to its chain's region in the link or its sub-links (with how many of
    /// those links they are in), and how many memberships the subtree has in all.
    local_in_subtree: HashMap<NodeIndex, HashMap<EnterpriseId, u32>>,
    /// The same for local leaders only (上市公司, 专精特新小巨人, …): few, so small.
    local_leaders_in_subtree: HashMap<NodeIndex, HashMap<EnterpriseId, u32>>,
    /// Bumped by every change, so derived results can be cached against it.
    version: u64,
    memberships_in_subtree: HashMap<NodeIndex, usize>,
    /// link node → its parent nodes, nearest first.
    ancestor_nodes: HashMap<NodeIndex, Vec<NodeIndex>>,
}

/// The names and keywords of every link, one link after another, each link's part ending with a
/// separator no word contains; `ends[i]` is the byte where link `i`'s part ends. And the link
/// names as one automaton, to find the names a word contains in one pass over the word (a
/// `contains` per link was a third of a one-firm search's time in `find_links`).
struct LinkText {
    text: String,
    ends: Vec<usize>,
    /// Pattern `i` is link `i`'s name.
    names: aho_corasick::AhoCorasick,
}

impl LinkText {
    fn new<'a>(chains: impl Iterator<Item = &'a Chain> + Clone) -> LinkText {
        let (mut text, mut ends) = (String::new(), Vec::new());
        // Folded as the words are (`CRO` is `cro` in a query, ⻓ is 长), so they meet.
        let fold = crate::search::fold::fold;
        for chain in chains.clone() {
            for link in &chain.links {
                for part in std::iter::once(&link.name).chain(&link.keywords) {
                    text.push_str(&fold(part));
                    text.push('\n');
                }
                ends.push(text.len());
            }
        }
        let names = chains.flat_map(|c| c.links.iter().map(|l| fold(&l.name)));
        let names = aho_corasick::AhoCorasick::new(names).expect("link names make an automaton");
        LinkText { text, ends, names }
    }
}

/// Versions are unique across every graph of the process, so a result cached against one graph's
/// version is never mistaken for another's (a rebuilt graph starts afresh).
fn next_version() -> u64 {
    static VERSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    VERSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn key_hash(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl Graph {
    /// Builds the graph from chains and every enterprise.
    pub fn build<'a>(chains: Vec<Chain>, enterprises: impl IntoIterator<Item = &'a Enterprise>) -> Graph {
        let mut g = Graph::with_chains(chains);
        for e in enterprises {
            g.upsert_enterprise(e.into());
        }
        g
    }

    /// The chain structure alone; add enterprises with [`Graph::upsert_enterprise`].
    pub fn with_chains(chains: Vec<Chain>) -> Graph {
        let mut g = Graph { version: next_version(), ..Graph::default() };
        for chain in &chains {
            for link in &chain.links {
                let r = LinkRef { chain: chain.id.clone(), link: link.id.clone() };
                let idx = g.flows.add_node(LinkNode { chain: r.chain.clone(), link: r.link.clone() });
                g.node_of.insert(r, idx);
            }
        }
        for chain in &chains {
            for flow in &chain.flows {
                let resolve = |end: &str| {
                    let r = LinkRef::parse(end)
                        .unwrap_or_else(|| LinkRef { chain: chain.id.clone(), link: end.to_string() });
                    g.node_of.get(&r).copied()
                };
                // A flow into a chain that has since been removed is skipped, not an error.
                if let (Some(a), Some(b)) = (resolve(&flow.from), resolve(&flow.to)) {
                    g.flows.update_edge(a, b, ());
                }
            }
        }
        for chain in &chains {
            for link in chain.links.iter().filter(|l| !l.exclude.is_empty()) {
                let idx = g.node_of[&LinkRef { chain: chain.id.clone(), link: link.id.clone() }];
                g.exclude.insert(idx, link.exclude.clone());
            }
        }
        g.matcher = KeywordMatcher::new(chains.iter().flat_map(|c| {
            c.links.iter().flat_map(|l| {
                let idx = g.node_of[&LinkRef { chain: c.id.clone(), link: l.id.clone() }];
                l.keywords.iter().chain(l.context.iter().map(|k| &k.keyword)).map(move |k| (k.clone(), idx))
            })
        }));
        for chain in &chains {
            for link in &chain.links {
                let idx = g.node_of[&LinkRef { chain: chain.id.clone(), link: link.id.clone() }];
                for rule in &link.context {
                    if let Some(k) = g.matcher.index_of(&rule.keyword) {
                        g.context.insert((idx, k), rule.clone());
                    }
                }
                // Broad codes (门类, 大类) say too little to place a firm in one link.
                for code in link.industry_codes.iter().filter(|c| c.len() >= 4) {
                    if !g.by_industry.contains_key(code) {
                        g.industry_codes.push(code.clone());
                    }
                    let nodes = g.by_industry.entry(code.clone()).or_default();
                    if !nodes.contains(&idx) {
                        nodes.push(idx);
                    }
                }
            }
        }
        g.chains = chains.into_iter().map(|c| (c.id.clone(), c)).collect();
        let refs: Vec<LinkRef> = g.node_of.keys().cloned().collect();
        for r in refs {
            let up: Vec<NodeIndex> =
                g.ancestors(&r).iter().filter_map(|a| g.node_of.get(a).copied()).collect();
            g.ancestor_nodes.insert(g.node_of[&r], up);
        }
        g
    }

    /// The node and its ancestors, with the region that counts as local for its chain.
    fn counted_nodes(&self, idx: NodeIndex) -> (Option<RegionCode>, Vec<NodeIndex>) {
        let region = self.chains.get(&self.flows[idx].chain).map(|c| c.region);
        let mut nodes = vec![idx];
        nodes.extend(self.ancestor_nodes.get(&idx).into_iter().flatten().copied());
        (region, nodes)
    }

    /// Adds or replaces one enterprise's memberships.
    pub fn upsert_enterprise(&mut self, e: EnterpriseFacts) {
        self.ties = Default::default();
        self.version = next_version();
        self.remove_enterprise(e.id);
        self.insert_new(e);
    }

    /// Adds an enterprise the graph does not hold yet (building from the store).
    pub fn insert_new(&mut self, e: EnterpriseFacts) {
        self.ties = Default::default();
        self.version = next_version();
        let mut found: BTreeMap<NodeIndex, Found> = BTreeMap::new();
        for r in &e.links {
            if let Some(&idx) = self.node_of.get(r) {
                let f = found.entry(idx).or_default();
                f.certain = true;
                f.evidence.push(EvidenceRef::Explicit);
            }
        }
        if let Some(code) = &e.industry_code {
            for end in 4..=code.len() {
                let Some(nodes) = self.by_industry.get(&code[..end]) else { continue };
                let at = self.industry_codes.iter().position(|c| *c == code[..end]).unwrap_or(0);
                for &idx in nodes {
                    let f = found.entry(idx).or_default();
                    f.certain = true;
                    f.evidence.push(EvidenceRef::Industry { code: at as u16 });
                }
            }
        }
        // The words a keyword's context is looked for in: the firm's name and products (never
        // its description, where the demo prints the industry labels membership is judged by).
        let context_text: std::cell::OnceCell<String> = std::cell::OnceCell::new();
        let context_text = || {
            context_text.get_or_init(|| {
                let mut t = e.name.clone();
                for p in &e.products {
                    t.push('、');
                    t.push_str(&p.name);
                }
                t
            })
        };
        for (product_index, product) in e.products.iter().enumerate().take(u16::MAX as usize) {
            for (keyword, idx) in self.matcher.matches(&product.name) {
                if self
                    .exclude
                    .get(&idx)
                    .is_some_and(|words| words.iter().any(|w| product.name.contains(w.as_str())))
                {
                    continue;
                }
                if let Some(rule) = self.context.get(&(idx, keyword)) {
                    let text = context_text();
                    let has_context =
                        rule.with.is_empty() || rule.with.iter().any(|w| text.contains(w.as_str()));
                    let vetoed = rule.without.iter().any(|w| text.contains(w.as_str()));
                    if !has_context || vetoed {
                        continue;
                    }
                }
                let evidence = EvidenceRef::Keyword { product: product_index as u16, keyword };
                let f = found.entry(idx).or_default();
                if !f.evidence.contains(&evidence) {
                    f.evidence.push(evidence);
                }
                if !f.products.contains(&product_index) {
                    f.products.push(product_index);
                }
            }
        }
        let mut nodes: Vec<NodeIndex> = Vec::with_capacity(found.len());
        for (idx, f) in found {
            let strength = if f.certain { 1.0 } else { share_of(&e.products, f.products.iter().copied()) };
            let min =
                self.chains.get(&self.flows[idx].chain).map_or(DEFAULT_MIN_STRENGTH, |c| c.min_strength);
            let counted = strength >= min;
            if counted {
                let (chain_region, counted_nodes) = self.counted_nodes(idx);
                let local = chain_region.is_some_and(|r| e.region.is_within(r));
                let leader = local && e.is_leader();
                for n in counted_nodes {
                    *self.memberships_in_subtree.entry(n).or_default() += 1;
                    if local {
                        *self.local_in_subtree.entry(n).or_default().entry(e.id).or_default() += 1;
                    }
                    if leader {
                        *self.local_leaders_in_subtree.entry(n).or_default().entry(e.id).or_default() += 1;
                    }
                }
            }
            self.members.entry(idx).or_default().insert(
                e.id,
                Member {
                    region: e.region,
                    evidence: EvidenceList::new(f.evidence),
                    strength: strength as f32,
                    counted,
                },
            );
            nodes.push(idx);
        }
        self.memberships.insert(e.id, nodes);
        let leader = e.is_leader();
        let name_hash = key_hash(&e.name);
        if let Some(first) = self.by_name.get(&name_hash)
            && *first != e.id
        {
            self.more_by_name.entry(name_hash).or_default().push(e.id);
        } else {
            self.by_name.insert(name_hash, e.id);
        }
        let credit_hash = e.credit_code.as_ref().map(|c| key_hash(c.as_str()));
        if let Some(h) = credit_hash {
            self.by_credit_code.insert(h, e.id);
        }
        if !e.partners.is_empty() {
            self.with_partners.insert(e.id);
        }
        let listed = e.stock_code.is_some() || e.tags.iter().any(|t| t == "上市公司");
        let capital = e.capital_cny();
        self.enterprises.insert(
            e.id,
            EnterpriseBrief {
                id: e.id,
                name: e.name,
                region: e.region,
                leader,
                restricted: e.restricted,
                registered_capital: capital,
                listed,
                tags: e.tags.into(),
                credit_hash,
                signals: e.signals.into(),
                partners: e.partners.into(),
                products: e.products.into_iter().map(|p| p.name.into_boxed_str()).collect(),
            },
        );
    }

    /// The enterprise a partner reference names: a credit code, or an exact name that only one
    /// enterprise has. Unknown or ambiguous references resolve to nothing.
    pub fn resolve_partner(&self, reference: &str) -> Option<EnterpriseId> {
        if let Ok(code) = CreditCode::parse(reference) {
            return self.by_credit_code.get(&key_hash(code.as_str())).copied();
        }
        let hash = key_hash(reference);
        let first = self.by_name.get(&hash)?;
        let mut named = std::iter::once(first)
            .chain(self.more_by_name.get(&hash).into_iter().flatten())
            .filter(|id| self.enterprises.get(id).is_some_and(|e| e.name == reference));
        match (named.next(), named.next()) {
            (Some(id), None) => Some(*id),
            _ => None,
        }
    }

    /// Every resolved supply tie, from both sides' declarations, in (supplier, customer) order.
    /// Resolved once after each change and kept.
    pub fn supply_ties(&self) -> &[SupplyTie] {
        self.ties.get_or_init(|| {
            self.resolve_ties()
                .into_iter()
                .filter_map(|(s, c)| {
                    Some(SupplyTie {
                        supplier: s,
                        supplier_region: self.enterprises.get(&s)?.region,
                        customer: c,
                        customer_region: self.enterprises.get(&c)?.region,
                    })
                })
                .collect()
        })
    }

    fn resolve_ties(&self) -> BTreeSet<(EnterpriseId, EnterpriseId)> {
        let mut ties = BTreeSet::new();
        for id in &self.with_partners {
            let Some(e) = self.enterprises.get(id) else { continue };
            for p in &e.partners {
                let Some(other) = self.resolve_partner(&p.enterprise) else { continue };
                if other == *id {
                    continue;
                }
                ties.insert(match p.relation {
                    Relation::Supplier => (other, *id),
                    Relation::Customer => (*id, other),
                });
            }
        }
        ties
    }

    pub fn remove_enterprise(&mut self, id: EnterpriseId) {
        self.ties = Default::default();
        self.version = next_version();
        if let Some(nodes) = self.memberships.remove(&id) {
            for idx in nodes {
                let was_counted =
                    self.members.get_mut(&idx).and_then(|m| m.remove(&id)).is_some_and(|m| m.counted);
                if !was_counted {
                    continue;
                }
                let (_, counted) = self.counted_nodes(idx);
                for n in counted {
                    if let Some(c) = self.memberships_in_subtree.get_mut(&n) {
                        *c = c.saturating_sub(1);
                    }
                    for sets in [&mut self.local_in_subtree, &mut self.local_leaders_in_subtree] {
                        if let Some(set) = sets.get_mut(&n)
                            && let Some(k) = set.get_mut(&id)
                        {
                            *k -= 1;
                            if *k == 0 {
                                set.remove(&id);
                            }
                        }
                    }
                }
            }
        }
        if let Some(old) = self.enterprises.remove(&id) {
            let name_hash = key_hash(&old.name);
            if self.by_name.get(&name_hash) == Some(&id) {
                self.by_name.remove(&name_hash);
                if let Some(more) = self.more_by_name.get_mut(&name_hash)
                    && let Some(next) = more.pop()
                {
                    self.by_name.insert(name_hash, next);
                }
            } else if let Some(more) = self.more_by_name.get_mut(&name_hash) {
                more.retain(|x| *x != id);
            }
            if let Some(h) = old.credit_hash
                && self.by_credit_code.get(&h) == Some(&id)
            {
                self.by_credit_code.remove(&h);
            }
            self.with_partners.remove(&id);
        }
    }

    /// Replaces a chain whose structure is unchanged — region, link ids, stages, parents,
    /// keywords, excludes and flows, everything memberships and local counts derive from. Names,
    /// the 链长, key links, thresholds and weights are read live, so nothing needs rebuilding.
    /// Returns false, changing nothing, when the structure differs (then rebuild the graph).
    pub fn replace_chain_details(&mut self, chain: Chain) -> bool {
        let Some(old) = self.chains.get(&chain.id) else { return false };
        let shape = |c: &Chain| {
            let links: Vec<_> = c
                .links
                .iter()
                .map(|l| {
                    (
                        l.id.clone(),
                        l.stage,
                        l.parent.clone(),
                        l.keywords.clone(),
                        l.exclude.clone(),
                        l.context.clone(),
                        l.industry_codes.clone(),
                    )
                })
                .collect();
            (c.region, links, c.flows.clone(), c.min_strength.to_bits())
        };
        if shape(old) != shape(&chain) {
            return false;
        }
        self.chains.insert(chain.id.clone(), chain);
        self.link_text = Default::default();
        self.version = next_version();
        true
    }

    pub fn chains(&self) -> impl Iterator<Item = &Chain> {
        self.chains.values()
    }

    pub fn chain(&self, id: &str) -> Option<&Chain> {
        self.chains.get(id)
    }

    /// Every enterprise's id (in no particular order).
    pub fn enterprise_ids(&self) -> impl Iterator<Item = EnterpriseId> + '_ {
        self.enterprises.keys().copied()
    }

    pub fn n_enterprises(&self) -> usize {
        self.enterprises.len()
    }

    pub fn enterprise(&self, id: EnterpriseId) -> Option<&EnterpriseBrief> {
        self.enterprises.get(&id)
    }

    /// The links an enterprise is in, weak ones too, with evidence and strength.
    pub fn links_of(&self, id: EnterpriseId) -> Vec<Membership> {
        self.memberships
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|idx| {
                let node = &self.flows[*idx];
                let member = self.members.get(idx)?.get(&id)?;
                Some(Membership {
                    link: LinkRef { chain: node.chain.clone(), link: node.link.clone() },
                    evidence: self.evidence_of(id, member),
                    strength: (member.strength as f64 * 1000.0).round() / 1000.0,
                    counted: member.counted,
                })
            })
            .collect()
    }

    /// How strongly an enterprise is in one link (not its sub-links), when it is a counted member.
    pub fn strength_in(&self, id: EnterpriseId, link: &LinkRef) -> Option<f64> {
        let m = self.members.get(self.node_of.get(link)?)?.get(&id)?;
        m.counted.then_some(m.strength as f64)
    }

    /// The links an enterprise is in together with their parent links, without repeats: what a
    /// `link` filter should match (a parent link counts its sub-links' members).
    pub fn links_with_ancestors(&self, id: EnterpriseId) -> Vec<LinkRef> {
        let mut out: Vec<LinkRef> = Vec::new();
        for r in self.links_of(id).into_iter().filter(|m| m.counted).map(|m| m.link) {
            let Some(chain) = self.chains.get(&r.chain) else { continue };
            let mut at = Some(r.link.clone());
            let mut steps = 0;
            while let Some(link) = at {
                let lr = LinkRef { chain: r.chain.clone(), link: link.clone() };
                if !out.contains(&lr) {
                    out.push(lr);
                }
                at = chain.link(&link).and_then(|l| l.parent.clone());
                steps += 1;
                if steps > chain.links.len() {
                    break;
                }
            }
        }
        out.sort();
        out
    }

    /// The parent links of a link, nearest first (not the link itself).
    pub fn ancestors(&self, r: &LinkRef) -> Vec<LinkRef> {
        let mut out = Vec::new();
        let Some(chain) = self.chains.get(&r.chain) else { return out };
        let mut at = chain.link(&r.link).and_then(|l| l.parent.clone());
        while let Some(parent) = at {
            if out.len() > chain.links.len() {
                break;
            }
            at = chain.link(&parent).and_then(|l| l.parent.clone());
            out.push(LinkRef { chain: r.chain.clone(), link: parent });
        }
        out
    }

    /// The link and its sub-links, at any depth.
    pub fn subtree(&self, r: &LinkRef) -> Vec<LinkRef> {
        let Some(chain) = self.chains.get(&r.chain) else { return vec![] };
        status::subtrees(chain)
            .get(r.link.as_str())
            .map(|ids| {
                ids.iter().map(|id| LinkRef { chain: r.chain.clone(), link: id.to_string() }).collect()
            })
            .unwrap_or_default()
    }

    /// The enterprises local to the link's own chain region in the link or its sub-links.
    pub fn local_in_subtree(&self, r: &LinkRef) -> impl Iterator<Item = EnterpriseId> + '_ {
        self.node_of
            .get(r)
            .and_then(|idx| self.local_in_subtree.get(idx))
            .into_iter()
            .flat_map(|m| m.keys().copied())
    }

    /// Changes with every change to the graph (for caches of derived results).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether a leader local to the link's chain region is in the link or its sub-links.
    pub fn has_local_leader(&self, r: &LinkRef) -> bool {
        self.node_of
            .get(r)
            .and_then(|idx| self.local_leaders_in_subtree.get(idx))
            .is_some_and(|m| !m.is_empty())
    }

    /// Up to `limit` local enterprises of the link and its sub-links: leaders first, then by
    /// registered capital, then by id.
    pub fn local_enterprises(&self, r: &LinkRef, limit: usize) -> Vec<&EnterpriseBrief> {
        let mut local: Vec<&EnterpriseBrief> =
            self.local_in_subtree(r).filter_map(|id| self.enterprise(id)).collect();
        let order = |a: &&EnterpriseBrief, b: &&EnterpriseBrief| {
            b.leader
                .cmp(&a.leader)
                .then(b.registered_capital.unwrap_or(0.0).total_cmp(&a.registered_capital.unwrap_or(0.0)))
                .then(a.id.cmp(&b.id))
        };
        if local.len() > limit {
            local.select_nth_unstable_by(limit, order);
            local.truncate(limit);
        }
        local.sort_by(order);
        local
    }

    /// Memberships (not distinct enterprises) in the link and its sub-links.
    pub fn memberships_in_subtree(&self, r: &LinkRef) -> usize {
        self.node_of.get(r).and_then(|idx| self.memberships_in_subtree.get(idx)).copied().unwrap_or(0)
    }

    /// Distinct enterprises inside `region` in the link or its sub-links.
    pub fn local_count(&self, r: &LinkRef, region: RegionCode) -> usize {
        // Kept up to date for the link's own chain region, the common case.
        if self.chains.get(&r.chain).is_some_and(|c| c.region == region) {
            return self.node_of.get(r).and_then(|idx| self.local_in_subtree.get(idx)).map_or(0, |m| m.len());
        }
        let subtree = self.subtree(r);
        if subtree.len() == 1 {
            return self.member_regions(&subtree[0]).filter(|(_, g)| g.is_within(region)).count();
        }
        let mut local: BTreeSet<EnterpriseId> = BTreeSet::new();
        for l in subtree {
            local.extend(self.member_regions(&l).filter(|(_, g)| g.is_within(region)).map(|(id, _)| id));
        }
        local.len()
    }

    /// The counted members of one link with their regions (no lookups: the cheap way to count).
    pub fn member_regions(&self, link: &LinkRef) -> impl Iterator<Item = (EnterpriseId, RegionCode)> + '_ {
        self.counted_members(link).map(|(id, m)| (*id, m.region))
    }

    fn counted_members<'g>(
        &'g self,
        link: &LinkRef,
    ) -> impl Iterator<Item = (&'g EnterpriseId, &'g Member)> + 'g {
        self.node_of
            .get(link)
            .and_then(|idx| self.members.get(idx))
            .into_iter()
            .flatten()
            .filter(|(_, m)| m.counted)
    }

    /// Whether an enterprise is in any link of `chain`.
    pub fn is_in_chain(&self, id: EnterpriseId, chain: &str) -> bool {
        self.memberships.get(&id).is_some_and(|nodes| {
            nodes.iter().any(|n| {
                self.flows[*n].chain == chain
                    && self.members.get(n).and_then(|m| m.get(&id)).is_some_and(|m| m.counted)
            })
        })
    }

    /// Links one flow away from `r` (downstream when `forward`), counting the flows of its
    /// parent links as its own.
    pub fn flow_neighbours(&self, r: &LinkRef, forward: bool) -> Vec<LinkRef> {
        let direction = if forward { petgraph::Direction::Outgoing } else { petgraph::Direction::Incoming };
        let mut out = Vec::new();
        for at in std::iter::once(r.clone()).chain(self.ancestors(r)) {
            let Some(&idx) = self.node_of.get(&at) else { continue };
            for n in self.flows.neighbors_directed(idx, direction) {
                let node = &self.flows[n];
                let next = LinkRef { chain: node.chain.clone(), link: node.link.clone() };
                if !out.contains(&next) {
                    out.push(next);
                }
            }
        }
        out.sort();
        out
    }

    /// Chain links whose (folded) name or keywords contain the (folded) word, or whose name the
    /// word contains: `正极` finds 正极材料 in every chain that has it. In chain and link order.
    pub fn find_links(&self, folded_words: &[String]) -> Vec<(&Chain, &crate::model::Link)> {
        let words: Vec<&String> = folded_words.iter().filter(|w| w.chars().count() >= 2).collect();
        if words.is_empty() {
            return vec![];
        }
        let text = self.link_text.get_or_init(|| LinkText::new(self.chains.values()));
        let mut hit = vec![false; text.ends.len()];
        for w in &words {
            // One scan of all names and keywords per word, not one `contains` per keyword; a
            // SIMD substring search (`str::match_indices` took ~10 µs a word over the ~40 KB).
            for at in memchr::memmem::find_iter(text.text.as_bytes(), w.as_bytes()) {
                let i = text.ends.partition_point(|&end| end <= at);
                if let Some(h) = hit.get_mut(i) {
                    *h = true;
                }
            }
        }
        for w in &words {
            for m in text.names.find_overlapping_iter(w.as_str()) {
                hit[m.pattern().as_usize()] = true;
            }
        }
        let links = self.chains.values().flat_map(|c| c.links.iter().map(move |l| (c, l)));
        links.zip(hit).filter(|(_, hit)| *hit).map(|(found, _)| found).collect()
    }

    /// The counted members of one link (not its sub-links), with evidence.
    pub fn members(&self, link: &LinkRef) -> impl Iterator<Item = (&EnterpriseBrief, Vec<Evidence>)> {
        self.counted_members(link)
            .filter_map(|(id, m)| Some((self.enterprises.get(id)?, self.evidence_of(*id, m))))
    }

    /// The counted members of one link (not its sub-links) with their strength, without
    /// evidence: the cheap walk leads take.
    pub fn member_briefs(&self, link: &LinkRef) -> impl Iterator<Item = (&EnterpriseBrief, f64)> {
        self.member_briefs_where(link, |_| true)
    }

    /// The same for members whose region passes `keep`, tested before the enterprise is looked
    /// up (most members of a chain's links are often local, and leads skip them).
    pub fn member_briefs_where<'g>(
        &'g self,
        link: &LinkRef,
        keep: impl Fn(RegionCode) -> bool + 'g,
    ) -> impl Iterator<Item = (&'g EnterpriseBrief, f64)> + 'g {
        self.counted_members(link)
            .filter(move |(_, m)| keep(m.region))
            .filter_map(|(id, m)| Some((self.enterprises.get(id)?, m.strength as f64)))
    }

    fn evidence_of(&self, id: EnterpriseId, m: &Member) -> Vec<Evidence> {
        let products = self.enterprises.get(&id).map(|e| &e.products[..]).unwrap_or(&[]);
        m.evidence
            .as_slice()
            .iter()
            .map(|r| match *r {
                EvidenceRef::Explicit => Evidence::Explicit,
                EvidenceRef::Keyword { product, keyword } => Evidence::Keyword {
                    product: products.get(product as usize).map(|p| p.to_string()).unwrap_or_default(),
                    keyword: self.matcher.keyword(keyword).to_string(),
                },
                EvidenceRef::Industry { code } => Evidence::Industry {
                    code: self.industry_codes.get(code as usize).cloned().unwrap_or_default(),
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
