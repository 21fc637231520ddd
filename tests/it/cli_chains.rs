//! Chain maps: importing them, their statuses, and rejecting bad files whole.

use crate::helpers::{Env, KillOnDrop, http, link, request_json, s};
use crate::process::serve;
use serde_json::Value;

const MINI: &str = r#"
id = "mini"
name = "迷你链"
region = "320400"
strong_threshold = 2
source = "authored for tests"

[[links]]
id = "cathode"
name = "正极材料"
stage = "upstream"
keywords = ["正极材料"]

[[links]]
id = "cell"
name = "电芯"
stage = "midstream"
keywords = ["电芯"]

[[flows]]
from = "cathode"
to = "cell"
"#;

#[test]
fn every_shipped_chain_map_imports_and_is_labelled_authored() {
    let env = Env::new();
    let graphs = concat!(env!("CARGO_MANIFEST_DIR"), "/graphs");
    let out = env.ok_json(&["import", "chains", graphs]);
    assert_eq!(
        out["chains"].as_array().unwrap().len(),
        8,
        "the eight maps of graphs/ (the demo adds 苏州's)"
    );
    let list = env.ok_json(&["chains"]);
    for c in list["chains"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let detail = env.ok_json(&["chain", id]);
        assert!(detail["source"].as_str().unwrap().contains("authored"), "{id} says it is authored");
        let links = detail["links"].as_array().unwrap();
        assert!(links.len() >= 20, "{id} has {} links", links.len());
        for stage in ["upstream", "midstream", "downstream"] {
            assert!(links.iter().any(|l| l["stage"] == stage), "{id} has a {stage} link");
        }
        assert!(links.iter().any(|l| l["key"] == true), "{id} marks key links");
        assert!(links.iter().any(|l| !l["parent"].is_null()), "{id} has sub-links");
        assert!(detail["flows"].as_array().unwrap().len() >= 15, "{id} has flows");
        // No enterprises yet: every link is missing.
        assert_eq!(c["counts"]["missing"].as_u64().unwrap() as usize, links.len());
    }
}

#[test]
fn statuses_follow_local_enterprises_whichever_is_imported_first() {
    let rows = "企业名称,行政区划代码,主营产品\n\
                甲正极有限公司,320412,磷酸铁锂正极材料\n\
                乙正极有限公司,320402,正极材料\n\
                丙电芯有限公司,320000,动力电芯\n\
                丁电芯有限公司,440300,电芯\n";
    // Through a running server, so the maps compared are the ones its write path kept up to date
    // (a CLI command would rebuild the graph when it opens the data dir).
    let live_map = |env: &Env, chains_first: bool| -> Value {
        let (server, addr) = serve(env, &[]);
        let _server = KillOnDrop(server);
        let admin = std::fs::read_to_string(env.data().join("admin.token")).unwrap().trim().to_string();
        let auth = format!("Bearer {admin}");
        let put_chain = || {
            let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/toml")];
            assert_eq!(http(&addr, "PUT", "/api/v1/chains/mini", &headers, MINI.as_bytes()).0, 201);
        };
        let import = || {
            let headers = [("Authorization", auth.as_str()), ("Content-Type", "text/csv")];
            assert_eq!(http(&addr, "POST", "/api/v1/imports", &headers, rows.as_bytes()).0, 200);
        };
        if chains_first {
            put_chain();
            import();
        } else {
            import();
            put_chain();
        }
        request_json(&addr, "GET", "/api/v1/chains/mini", Some(&admin), None).1
    };
    let chains_first = Env::new();
    let firms_first = Env::new();
    let a = live_map(&chains_first, true);
    let b = live_map(&firms_first, false);
    // And the map rebuilt from the store when a command opens the data dir.
    let rebuilt = chains_first.ok_json(&["chain", "mini"]);
    for chain in [&a, &b, &rebuilt] {
        assert_eq!(link(chain, "cathode")["status"], "strong");
        assert_eq!(link(chain, "cathode")["local_count"], 2);
        // 丙 is known only to the province and 丁 is in 深圳: neither is local to 常州.
        assert_eq!(link(chain, "cell")["status"], "missing");
        assert_eq!(link(chain, "cell")["member_count"], 2);
    }
    let strip = |v: &Value| {
        let mut v = v.clone();
        for l in v["links"].as_array_mut().unwrap() {
            for e in l["local_enterprises"].as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("id");
            }
            for e in l["top_candidates"].as_array_mut().into_iter().flatten() {
                e.as_object_mut().unwrap().remove("id");
            }
        }
        for m in v["chain_masters"].as_array_mut().unwrap() {
            m.as_object_mut().unwrap().remove("id");
        }
        v
    };
    assert_eq!(strip(&a), strip(&b), "import order does not change the map");
    assert_eq!(a, rebuilt, "the map kept by the write path is the map rebuilt from the store");
    let evidence = &link(&a, "cathode")["local_enterprises"][0]["evidence"][0];
    assert_eq!(evidence["via"], "keyword");
    assert!(evidence["product"].as_str().unwrap().contains("正极材料"));
}

#[test]
fn a_bad_chain_file_is_rejected_whole_with_file_and_line_and_nothing_changes() {
    let env = Env::new();
    let good = env.write("mini.toml", MINI);
    env.ok(&["import", "chains", s(&good)]);
    let before = env.ok_json(&["chain", "mini"]);

    let bad_flow = MINI.replace("to = \"cell\"", "to = \"anode\"").replace("迷你链", "改过的名字");
    let bad = env.write("bad.toml", bad_flow);
    let r = env.run(&["import", "chains", s(&bad)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml:22"), "{}", r.stderr);
    assert!(r.stderr.contains("anode"), "{}", r.stderr);
    assert_eq!(env.ok_json(&["chain", "mini"]), before);

    for (text, words) in [
        (MINI.replace("id = \"cell\"", "id = \"cathode\""), "duplicate"),
        (MINI.replace("stage = \"midstream\"", "stage = \"sideways\""), "sideways"),
        (MINI.replace("region = \"320400\"", "region = \"999999\""), "999999"),
        (MINI.replace("keywords = [\"电芯\"]", "keywords = [\"电芯\"]\nparent = \"cell\""), "cycle"),
        (MINI.replace("strong_threshold = 2", "strong_threshold = 2\ncolour = \"red\""), "colour"),
        ("id = \"x\"\nname = [".to_string(), "bad.toml:2"),
    ] {
        let bad = env.write("bad.toml", text);
        let r = env.run(&["--json", "import", "chains", s(&bad)]);
        assert_eq!(r.code, 2, "{words}");
        assert!(r.stderr.contains(words), "{words}: {}", r.stderr);
        let err: Value = serde_json::from_str(r.stderr.trim()).unwrap();
        assert_eq!(err["error"]["code"], "invalid_chain");
    }
    assert_eq!(env.ok_json(&["chain", "mini"]), before);
}

#[test]
fn the_demo_puts_real_jiangsu_companies_into_the_chains() {
    let env = Env::new();
    let out = env.ok_json(&["import", "demo"]);
    assert_eq!(out["chains"].as_array().unwrap().len(), 9);
    assert!(out["enterprises"]["inserted"].as_u64().unwrap() > 4000);
    assert_eq!(out["enterprises"]["rejected"].as_array().unwrap().len(), 0);

    let battery = env.ok_json(&["chain", "lithium-battery", "--per-link", "100"]);
    // 先导智能 (无锡, 江苏) makes lithium-battery equipment.
    let equipment = link(&battery, "equipment");
    assert_ne!(equipment["status"], "missing");
    assert!(
        equipment["local_enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"].as_str().unwrap().contains("先导")),
        "{equipment}"
    );
    // Every listed local enterprise really is in 江苏 (region 32xxxx).
    for l in battery["links"].as_array().unwrap() {
        for e in l["local_enterprises"].as_array().unwrap() {
            assert!(e["region"].as_str().unwrap().starts_with("32"), "{e}");
        }
        let n = l["local_count"].as_u64().unwrap();
        let expected = match n {
            0 => "missing",
            1 | 2 => "weak",
            _ => "strong",
        };
        assert_eq!(l["status"], expected, "{}", l["id"]);
    }
    // Re-loading the demo updates, it does not duplicate.
    let again = env.ok_json(&["import", "demo"]);
    assert_eq!(again["enterprises"]["inserted"], 0);
    assert_eq!(env.n_enterprises(), out["enterprises"]["inserted"].as_u64().unwrap());
}

#[test]
fn an_unknown_chain_is_an_input_error() {
    let env = Env::new();
    let r = env.run(&["--json", "chain", "nope"]);
    assert_eq!(r.code, 2);
    let err: Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "not_found");
}
