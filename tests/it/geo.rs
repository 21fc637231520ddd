//! 招商地图 and 区域对标 (issue 15) through the HTTP API and the command line: the map's counts
//! are the lead list's counts per region; a fixture chain compared across regions gives the
//! statuses, leading firms and destinations worked out by hand below; the map picture is the
//! whole country with its 南海诸岛 inset, shaded by the counts.

use crate::helpers::{Env, KillOnDrop, request_json, s};
use crate::process::serve;
use serde_json::Value;
use std::collections::BTreeMap;

fn get(addr: &str, path: &str) -> (u16, Value) {
    request_json(addr, "GET", path, None, None)
}

fn ok(addr: &str, path: &str) -> Value {
    let (status, v) = get(addr, path);
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// The demo behind a public-read server.
fn demo() -> (Env, KillOnDrop, String) {
    let env = Env::new();
    env.ok(&["import", "demo"]);
    let (child, addr) = serve(&env, &["--public-read"]);
    (env, KillOnDrop(child), addr)
}

fn lead_total(addr: &str, chain: &str, query: &str) -> u64 {
    ok(addr, &format!("/api/v1/chains/{chain}/leads?limit=1&{query}"))["total"].as_u64().unwrap()
}

#[test]
fn map_counts_are_the_lead_list_s_counts_per_region() {
    let (_env, _server, addr) = demo();
    for chain in ["lithium-battery", "biomedicine", "suzhou-biomedicine"] {
        let all = lead_total(&addr, chain, "");
        let geo = ok(&addr, &format!("/api/v1/chains/{chain}/geo"));
        assert_eq!(geo["total"].as_u64().unwrap(), all, "{chain}");
        let regions = geo["regions"].as_array().unwrap();
        assert!(regions.len() >= 5, "{chain}: candidates in several provinces");
        let placed: u64 = regions.iter().map(|r| r["leads"].as_u64().unwrap()).sum();
        assert_eq!(placed + geo["unplaced"].as_u64().unwrap(), all, "{chain}: every row counted once");
        for r in regions {
            let code = r["code"].as_str().unwrap();
            assert!(code.ends_with("0000"), "province level: {code}");
            assert_eq!(
                r["leads"].as_u64().unwrap(),
                lead_total(&addr, chain, &format!("region={code}")),
                "{chain} {code}"
            );
            let by_kind: u64 = ["fill", "extend", "strengthen"].iter().map(|k| r[k].as_u64().unwrap()).sum();
            assert_eq!(by_kind, r["leads"].as_u64().unwrap());
            assert!(r["enterprises"].as_u64().unwrap() <= r["leads"].as_u64().unwrap());
            assert!(r["center"].as_array().is_some_and(|c| c.len() == 2), "{r}");
            for k in ["fill", "extend", "strengthen"] {
                assert_eq!(
                    r[k].as_u64().unwrap(),
                    lead_total(&addr, chain, &format!("region={code}&kind={k}")),
                    "{chain} {code} {k}"
                );
            }
        }
    }
    // City level inside one province, and one target link.
    let chain = "lithium-battery";
    let gd = ok(&addr, &format!("/api/v1/chains/{chain}/geo?level=city&within=广东省"));
    assert_eq!(gd["within"]["code"], "440000");
    assert_eq!(gd["total"].as_u64().unwrap(), lead_total(&addr, chain, "region=440000"));
    assert!(!gd["regions"].as_array().unwrap().is_empty());
    for r in gd["regions"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        assert!(code.starts_with("44") && !code.ends_with("0000"), "{code}");
        assert_eq!(
            r["leads"].as_u64().unwrap(),
            lead_total(&addr, chain, &format!("region={code}")),
            "{code}"
        );
    }
    let targets = ok(&addr, &format!("/api/v1/chains/{chain}/leads?limit=1"))["targets"].clone();
    let link = targets[0]["link"].as_str().unwrap();
    let one = ok(&addr, &format!("/api/v1/chains/{chain}/geo?link={link}"));
    assert_eq!(one["link"], link);
    assert_eq!(one["total"].as_u64().unwrap(), lead_total(&addr, chain, &format!("link={link}")));

    // Bad input: stable codes naming the field.
    let (status, v) = get(&addr, &format!("/api/v1/chains/{chain}/geo?level=county"));
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("invalid_parameter")), "{v}");
    let (status, v) = get(&addr, &format!("/api/v1/chains/{chain}/geo?within=朝阳区"));
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("ambiguous_region")), "{v}");
    let (status, v) = get(&addr, &format!("/api/v1/chains/{chain}/leads?region=火星"));
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("invalid_region")), "{v}");
    let (status, _) = get(&addr, "/api/v1/chains/nope/geo");
    assert_eq!(status, 404);
}

#[test]
fn the_map_picture_is_the_whole_country_shaded_by_the_counts() {
    let (_env, _server, addr) = demo();
    let geo = ok(&addr, "/api/v1/chains/lithium-battery/geo");
    let (status, headers, body) =
        crate::helpers::http(&addr, "GET", "/api/v1/chains/lithium-battery/geo.svg", &[], b"");
    assert_eq!(status, 200);
    assert!(headers.to_ascii_lowercase().contains("image/svg+xml"), "{headers}");
    let svg = String::from_utf8(body).unwrap();
    assert!(svg.len() < 150_000, "the national map stays light: {} bytes", svg.len());
    // All 34 provincial divisions, 台湾省, 香港 and 澳门 among them; the inset and the sea line.
    let regions: BTreeMap<String, (usize, u64)> = svg
        .split("<path id=\"gm-r")
        .skip(1)
        .map(|p| {
            let attr = |name: &str| {
                let at = p.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                p[at..at + p[at..].find('"').unwrap()].to_string()
            };
            let class = attr("class");
            let shade = class.trim_start_matches("gm-region gm-s").parse::<usize>().unwrap();
            (attr("data-region"), (shade, attr("data-leads").parse::<u64>().unwrap()))
        })
        .collect();
    assert_eq!(regions.len(), 34);
    for code in ["710000", "810000", "820000", "460000"] {
        assert!(regions.contains_key(code), "{code}");
    }
    assert!(svg.contains("data-inset=\"南海诸岛\""));
    assert!(svg.contains("class=\"gm-maritime\""));
    assert!(svg.contains("data-local=\"320000\""), "the local region outlined");
    assert!(svg.contains("data-source=\"330000\""), "长三角 marked");
    // Shading follows the counts: the API's counts, none where there are none, the darkest for
    // the most, and never lighter for more.
    let counts: BTreeMap<&str, u64> = geo["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap(), r["leads"].as_u64().unwrap()))
        .collect();
    let max = counts.values().copied().max().unwrap();
    for (code, (shade, leads)) in &regions {
        assert_eq!(*leads, counts.get(code.as_str()).copied().unwrap_or(0), "{code}");
        assert_eq!(*shade == 0, *leads == 0, "{code}");
        if *leads == max {
            assert_eq!(*shade, 5, "{code}");
        }
    }
    for (a, b) in regions.values().zip(regions.values().skip(1)) {
        let (lo, hi) = if a.1 <= b.1 { (a, b) } else { (b, a) };
        assert!(lo.0 <= hi.0, "{lo:?} vs {hi:?}");
    }
    // A province's cities.
    let (_, _, body) = crate::helpers::http(
        &addr,
        "GET",
        "/api/v1/chains/lithium-battery/geo.svg?level=city&within=44",
        &[],
        b"",
    );
    let city = String::from_utf8(body).unwrap();
    assert_eq!(city.matches("<path id=\"gm-r44").count(), 21, "广东's 21 cities");
    assert!(city.contains("data-within=\"440000\""));
}

/// A chain for 常州 (strong at 2 firms) and firms placed by hand: see `compare_by_hand`.
const CHAIN: &str = r#"
id = "cmp"
name = "对标测试链"
region = "320400"
strong_threshold = 2
source = "test fixture"

[[links]]
id = "mat"
name = "材料"
stage = "upstream"

[[links]]
id = "mat-a"
name = "材料A"
stage = "upstream"
parent = "mat"

[[links]]
id = "cell"
name = "电芯"
stage = "midstream"

[[links]]
id = "pack"
name = "组装"
stage = "downstream"

[[links]]
id = "recy"
name = "回收"
stage = "downstream"
restricted = true

[[flows]]
from = "mat"
to = "cell"

[[flows]]
from = "cell"
to = "pack"

[[flows]]
from = "pack"
to = "recy"
"#;

const FIRMS: &[(&str, &str, &str, &str, f64)] = &[
    // name, region, link, tags, capital (万元)
    ("常州甲电芯有限公司", "320412", "cell", "", 100.0),
    ("常州乙电芯有限公司", "320400", "cell", "", 100.0),
    ("常州丙材料有限公司", "320411", "mat-a", "", 100.0),
    ("上海一号材料股份有限公司", "310115", "mat-a", "上市公司", 5000.0),
    ("上海二号材料有限公司", "310000", "mat-a", "", 9000.0),
    ("上海三号材料有限公司", "310104", "mat", "", 100.0),
    ("上海四号组装有限公司", "310115", "pack", "", 100.0),
    ("上海五号回收有限公司", "310115", "recy", "", 100.0),
    ("上海六号回收有限公司", "310104", "recy", "", 100.0),
    ("杭州一号组装有限公司", "330106", "pack", "", 100.0),
    ("杭州二号组装有限公司", "330108", "pack", "", 200.0),
    ("杭州三号材料有限公司", "330106", "mat-a", "", 100.0),
    ("南京一号组装有限公司", "320102", "pack", "", 100.0),
];

fn fixture() -> Env {
    let env = Env::new();
    let chain = env.write("cmp.toml", CHAIN);
    env.ok(&["import", "chains", s(&chain)]);
    let lines: Vec<String> = FIRMS
        .iter()
        .map(|(name, region, link, tags, capital)| {
            serde_json::json!({
                "name": name, "region": region, "links": [format!("cmp/{link}")],
                "tags": if tags.is_empty() { vec![] } else { vec![*tags] },
                "registered_capital": capital,
            })
            .to_string()
        })
        .collect();
    let firms = env.write("firms.jsonl", lines.join("\n"));
    env.ok(&["import", "enterprises", s(&firms)]);
    env
}

fn link<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["links"].as_array().unwrap().iter().find(|l| l["link"] == id).unwrap()
}

fn side(l: &Value, which: &str) -> (String, u64) {
    (l[which]["status"].as_str().unwrap().to_string(), l[which]["count"].as_u64().unwrap())
}

fn leading(l: &Value) -> Vec<&str> {
    l["leading"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect()
}

fn names(d: &Value, key: &str) -> Vec<String> {
    d[key].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn compare_by_hand() {
    let env = fixture();
    // 常州 vs 上海. mat counts its own members and mat-a's: 常州 has 丙 (weak, 1); 上海 has 一号,
    // 二号 (310000 is inside 上海) and 三号 (strong, 3), leaders first then by capital.
    let v = env.ok_json(&["compare", "cmp", "上海"]);
    assert_eq!(v["ours"]["code"], "320400");
    assert_eq!(v["theirs"]["code"], "310000");
    let w = |s: &str, n: u64| (s.to_string(), n);
    assert_eq!(side(link(&v, "mat"), "ours"), w("weak", 1));
    assert_eq!(side(link(&v, "mat"), "theirs"), w("strong", 3));
    assert_eq!(
        leading(link(&v, "mat")),
        ["上海一号材料股份有限公司", "上海二号材料有限公司", "上海三号材料有限公司"]
    );
    assert_eq!(link(&v, "mat")["theirs"]["leader"], true);
    assert_eq!(side(link(&v, "mat-a"), "theirs"), w("strong", 2));
    assert_eq!(leading(link(&v, "mat-a")), ["上海一号材料股份有限公司", "上海二号材料有限公司"]);
    // We are strong in cells: nobody to visit there.
    assert_eq!(side(link(&v, "cell"), "ours"), w("strong", 2));
    assert_eq!(side(link(&v, "cell"), "theirs"), w("missing", 0));
    assert!(leading(link(&v, "cell")).is_empty());
    assert_eq!(side(link(&v, "pack"), "ours"), w("missing", 0));
    assert_eq!(side(link(&v, "pack"), "theirs"), w("weak", 1));
    assert_eq!(leading(link(&v, "pack")), ["上海四号组装有限公司"]);
    // A restricted (两高) link is compared but names nobody, and is no gap they fill even where
    // they are strong in it.
    assert_eq!(side(link(&v, "recy"), "theirs"), w("strong", 2));
    assert!(leading(link(&v, "recy")).is_empty());
    assert_eq!(link(&v, "recy")["restricted"], true);
    assert_eq!(v["they_fill"], 2, "mat and mat-a, not recy");

    // Where to go, by province: our gaps are mat, mat-a (weak) and pack (missing); recy is
    // restricted, cell strong. 上海 is strong in mat and mat-a (firms 一二三四号: 4); 浙江 in pack
    // (杭州一二号, with 三号 in the materials: 3); 江苏 has 南京一号 only (weak): not a destination.
    let d = &v["destinations"];
    assert_eq!(d.as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d[0]["code"], "310000");
    assert_eq!(names(&d[0], "strong_in"), ["mat", "mat-a"]);
    assert_eq!(names(&d[0], "weak_in"), ["pack"]);
    assert_eq!(d[0]["firms"], 4);
    assert_eq!(d[1]["code"], "330000");
    assert_eq!(names(&d[1], "strong_in"), ["pack"]);
    assert_eq!(names(&d[1], "weak_in"), ["mat", "mat-a"]);
    assert_eq!(d[1]["firms"], 3);

    // By city: 上海's firms count in their districts (一号, 四号 in 浦东 310115; 二号 says only
    // 上海市 and has no district), none strong; 杭州 (330100) is strong in pack.
    let c = env.ok_json(&["compare", "cmp", "--level", "city"]);
    assert!(c["links"].as_array().unwrap().is_empty());
    let d = c["destinations"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "330100");
    assert_eq!(names(&d[0], "strong_in"), ["pack"]);

    // 常州 vs 杭州: packs by capital.
    let h = env.ok_json(&["compare", "cmp", "330100"]);
    assert_eq!(leading(link(&h, "pack")), ["杭州二号组装有限公司", "杭州一号组装有限公司"]);
    assert_eq!(h["they_fill"], 1);

    // A region that contains ours counts only the rest of it: 江苏 without 常州 has no cells and
    // one pack maker (南京一号), and names no 常州 firm.
    let js = env.ok_json(&["compare", "cmp", "江苏"]);
    assert_eq!(side(link(&js, "cell"), "theirs"), w("missing", 0));
    assert_eq!(side(link(&js, "pack"), "theirs"), w("weak", 1));
    assert_eq!(leading(link(&js, "pack")), ["南京一号组装有限公司"]);
    assert!(leading(link(&js, "mat")).is_empty(), "常州丙 is ours");

    // The API answers the same as the command line.
    let (child, addr) = serve(&env, &["--public-read"]);
    let _server = KillOnDrop(child);
    let api = ok(&addr, "/api/v1/chains/cmp/compare?region=%E4%B8%8A%E6%B5%B7");
    assert_eq!(api, v);
    let (status, e) = get(&addr, "/api/v1/chains/cmp/compare?region=nowhere");
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("invalid_region")));
    assert_eq!(e["error"]["problems"][0]["field"], "region", "{e}");
}
