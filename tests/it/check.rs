//! `chainscout check` on data dirs damaged on purpose: it must report what is wrong on disk
//! before opening repairs it (exit 1), and a second check is then clean.

use crate::helpers::{Env, s};
use serde_json::Value;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn replace_dir(dir: &Path, with: &Path) {
    std::fs::remove_dir_all(dir).unwrap();
    copy_dir(with, dir);
}

fn check(env: &Env) -> (i32, Value) {
    let r = env.run(&["--json", "check"]);
    (r.code, r.json())
}

/// A check that exits 1 with exactly one problem, which starts with `prefix`; its report.
fn one_problem(env: &Env, prefix: &str) -> Value {
    let (code, report) = check(env);
    assert_eq!(code, 1, "{report}");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{report}");
    assert!(problems[0].as_str().unwrap().starts_with(prefix), "{report}");
    report
}

/// A data dir with two imports: `first` rows, then `second` more.
fn two_imports(env: &Env, first: usize, second: usize, between: impl FnOnce(&Env)) {
    let all = env.path("all.jsonl");
    env.ok(&["gen", "--enterprises", &(first + second).to_string(), "--seed", "5", "--out", s(&all)]);
    let lines: Vec<String> = std::fs::read_to_string(&all).unwrap().lines().map(str::to_string).collect();
    let a = env.write("a.jsonl", lines[..first].join("\n"));
    let b = env.write("b.jsonl", lines[first..].join("\n"));
    env.ok(&["import", "enterprises", s(&a)]);
    between(env);
    env.ok(&["import", "enterprises", s(&b)]);
}

#[test]
fn a_lagging_index_is_a_repair_not_a_problem_when_the_log_covers_the_gap() {
    let env = Env::new();
    let saved = env.path("saved-search");
    two_imports(&env, 300, 200, |env| copy_dir(&env.data().join("search"), &saved));
    replace_dir(&env.data().join("search"), &saved); // as a crash before the index commit leaves it
    let (code, report) = check(&env);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["problems"], serde_json::json!([]));
    let repairs = report["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1, "{report}");
    assert!(repairs[0].as_str().unwrap().contains("replayed"), "{report}");
    assert_eq!(report["index_documents"], 500);
    let (code, again) = check(&env);
    assert_eq!((code, again["repairs"].clone()), (0, serde_json::json!([])), "{again}");
}

#[test]
fn a_damaged_index_is_reported_then_rebuilt() {
    let env = Env::new();
    two_imports(&env, 300, 0, |_| {});
    // Flip bytes in the middle of every segment's stored-documents file.
    let mut damaged = 0;
    for entry in std::fs::read_dir(env.data().join("search")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "store") {
            let mut bytes = std::fs::read(&path).unwrap();
            let mid = bytes.len() / 2;
            for b in &mut bytes[mid..mid + 16] {
                *b ^= 0xff;
            }
            std::fs::write(&path, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0, "the index has segment files");
    let report = one_problem(&env, "search index: damaged files");
    assert_eq!(report["index_documents"], 300, "repaired after being reported: {report}");
    let (code, again) = check(&env);
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["problems"], serde_json::json!([]));
}

#[test]
fn an_index_ahead_of_its_store_is_reported_then_rebuilt() {
    if !crate::helpers::sled_only("an_index_ahead_of_its_store…") {
        return;
    }
    let env = Env::new();
    let saved = env.path("saved-store");
    two_imports(&env, 300, 200, |env| copy_dir(&env.data().join("store"), &saved));
    replace_dir(&env.data().join("store"), &saved); // an old store under a newer index
    let (code, report) = check(&env);
    assert_eq!(code, 1, "{report}");
    let problems = report["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p.as_str().unwrap().contains("ahead of the store")), "{report}");
    assert_eq!(report["enterprises"], 300);
    assert_eq!(report["index_documents"], 300, "rebuilt from the store: {report}");
    let (code, again) = check(&env);
    assert_eq!(code, 0, "{again}");
}

#[test]
fn a_missing_index_is_nothing_while_the_store_is_empty_and_a_problem_once_it_holds_firms() {
    let env = Env::new();
    assert_eq!(check(&env).0, 0);
    // A first open killed after making the store and before making the index.
    std::fs::remove_dir_all(env.data().join("search")).unwrap();
    let (code, report) = check(&env);
    assert_eq!((code, report["problems"].clone()), (0, serde_json::json!([])), "{report}");
    assert!(env.data().join("search").is_dir(), "opening made the index");
    // With firms stored, a missing index is damage: reported, then rebuilt.
    two_imports(&env, 120, 0, |_| {});
    std::fs::remove_dir_all(env.data().join("search")).unwrap();
    let report = one_problem(&env, "search index: there is none in ");
    assert_eq!(report["index_documents"], 120, "rebuilt from the store: {report}");
    assert_eq!(check(&env).0, 0);
}

#[test]
fn an_index_of_an_older_version_is_rebuilt_as_a_repair_not_reported_as_damage() {
    let env = Env::new();
    two_imports(&env, 150, 0, |_| {});
    // As an upgrade finds it: the index made with the previous tokenizer version.
    let meta = env.data().join("search").join("meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    assert!(text.contains("zh_bigram_v4"), "the schema names its bigram version");
    std::fs::write(&meta, text.replace("zh_bigram_v4", "zh_bigram_v3")).unwrap();
    let (code, report) = check(&env);
    assert_eq!((code, report["problems"].clone()), (0, serde_json::json!([])), "{report}");
    assert_eq!(report["repairs"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["index_documents"], 150);
}
