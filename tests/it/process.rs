//! Whole processes: the data-dir lock, a kill in the middle of an import, the server's health.

use crate::helpers::{Env, KillOnDrop, http, s};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Starts `serve` on a free port and returns the child and its address.
pub fn serve(env: &Env, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["serve", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = env.command(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // The first start prints the admin token before the address.
    while !line.contains("http://") {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("the server exited before listening");
        }
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, addr)
}

fn get(addr: &str, path: &str) -> (u16, serde_json::Value) {
    let (status, _, body) = http(addr, "GET", path, &[], b"");
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

#[test]
fn a_second_process_on_a_data_dir_in_use_exits_1_naming_the_pid() {
    let env = Env::new();
    let (server, addr) = serve(&env, &["--demo"]);
    let server = KillOnDrop(server);
    let (status, health) = get(&addr, "/api/v1/health");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["chains"], 9);
    assert!(health["enterprises"].as_u64().unwrap() > 4000);

    let r = env.run(&["chains"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("in use"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("pid {}", server.0.id())), "{}", r.stderr);
}

#[test]
fn a_non_default_data_dir_gets_the_demo_only_when_asked() {
    let env = Env::new();
    let (server, addr) = serve(&env, &[]);
    let _server = KillOnDrop(server);
    let (_, health) = get(&addr, "/api/v1/health");
    assert_eq!(health["enterprises"], 0);
}

#[test]
fn killing_an_import_midway_leaves_a_store_that_opens_and_a_rerun_completes_it() {
    let env = Env::new();
    let file = env.path("big.jsonl");
    let n = 30_000;
    env.ok(&["gen", "--enterprises", &n.to_string(), "--seed", "9", "--out", s(&file)]);
    let mut child = env.command(&["import", "enterprises", s(&file)]).stdout(Stdio::null()).spawn().unwrap();
    // Let it write a good part of the file, then kill -9.
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(start.elapsed() < Duration::from_secs(60));

    let stored = env.n_enterprises();
    assert!(stored <= n, "at most every row ({stored})");
    // The index was reconciled with the store when the data dir was opened again.
    let all = env.ok_json(&["search", "--limit", "1"]);
    assert_eq!(all["total"].as_u64().unwrap(), stored);
    let report = env.ok_json(&["import", "enterprises", s(&file)]);
    // A row that survived the kill is found again: stored as it was (`unchanged`), never twice.
    // (A count of nothing is left out of the report.)
    let count = |k: &str| report[k].as_u64().unwrap_or(0);
    let inserted = count("inserted");
    let again = count("updated") + count("unchanged");
    assert_eq!(inserted + again, n, "every row accounted for: {report}");
    assert_eq!(again, stored, "rows that survived the kill are found again, not duplicated");
    assert_eq!(env.n_enterprises(), n);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn an_index_behind_the_store_replays_only_the_missing_changes() {
    let env = Env::new();
    let all = env.path("all.jsonl");
    env.ok(&["gen", "--enterprises", "3000", "--seed", "4", "--out", s(&all)]);
    let text = std::fs::read_to_string(&all).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first = env.write("first.jsonl", lines[..2000].join("\n"));
    let second = env.write("second.jsonl", lines[2000..].join("\n"));
    env.ok(&["import", "enterprises", s(&first)]);
    // The index as a crash would leave it: committed before the second import's rows.
    let saved = env.path("saved-index");
    copy_dir(&env.data().join("search"), &saved);
    env.ok(&["import", "enterprises", s(&second)]);
    std::fs::remove_dir_all(env.data().join("search")).unwrap();
    copy_dir(&saved, &env.data().join("search"));

    let out = env.command(&["--json", "check"]).env("CHAINSCOUT_LOG", "info").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("replaying changes into the search index"), "{log}");
    assert!(log.contains("enterprises=1000"), "only the second import's rows are replayed: {log}");
    assert!(!log.contains("rebuilding"), "{log}");
    let last: serde_json::Value = serde_json::from_str(lines[2999]).unwrap();
    let found = env.ok_json(&["search", last["credit_code"].as_str().unwrap()]);
    assert_eq!(found["total"], 1);
}

/// `chainscout search 电池 | head -1`: the reader leaves after one line; the CLI ends quietly as
/// Unix tools do (killed by SIGPIPE), where it panicked with a backtrace on the closed pipe.
#[test]
fn a_command_whose_reader_leaves_early_ends_without_a_panic() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new();
    assert_eq!(env.run(&["import", "demo"]).code, 0);
    let mut child = env
        // ~200 KB of JSON, more than a pipe holds: the writer is still writing when we leave.
        .command(&["--json", "search", "股份", "--limit", "500"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    // The pipe is closed here (the reader dropped): the rest of the output has nowhere to go.
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success() || status.signal() == Some(13), "{status:?}: {stderr}");
}
