//! Crash safety: `kill -9` at random moments during CLI imports and API writes, then the data
//! dir must open, every row reported stored and every 2xx write must be there (and searchable),
//! nothing half-written, and the graph and index must agree with the store (`chainscout check`).
//! A backup taken while writes run restores to a consistent store.
//!
//! The moments come from a seed printed at the start; set `CHAINSCOUT_CRASH_SEED` to replay one.

use crate::helpers::{Env, KillOnDrop, http, request_json, s};
use crate::process::serve;
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed =
            std::env::var("CHAINSCOUT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
            });
        eprintln!("crash test seed: {seed} (CHAINSCOUT_CRASH_SEED={seed} replays it)");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Opens the data dir (replaying or rebuilding what a crash left) and checks it.
fn check(env: &Env) -> Value {
    let r = env.run(&["--json", "check"]);
    let report = r.json();
    assert_eq!(r.code, 0, "check failed: {report}\n{}", r.stderr);
    assert_eq!(report["problems"], json!([]));
    report
}

fn search_total(env: &Env, words: &str) -> u64 {
    env.ok_json(&["search", words, "--limit", "1"])["total"].as_u64().unwrap()
}

#[test]
fn kill_9_during_cli_imports_loses_no_reported_row() {
    let env = Env::new();
    let mut rng = Rng::seeded();
    const ROUNDS: usize = 12;
    const ROWS: usize = 2_000;
    let all = env.path("all.jsonl");
    env.ok(&["gen", "--enterprises", &(ROUNDS * ROWS).to_string(), "--seed", "21", "--out", s(&all)]);
    let lines: Vec<String> = std::fs::read_to_string(&all).unwrap().lines().map(str::to_string).collect();
    let mut promised = 0u64; // rows in imports that reported success
    let (mut killed, mut finished) = (0, 0);
    for round in 0..ROUNDS {
        let slice = &lines[round * ROWS..(round + 1) * ROWS];
        let file = env.write(&format!("round-{round}.jsonl"), slice.join("\n"));
        let mut child = env
            .command(&["--json", "import", "enterprises", s(&file)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(2_500)));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            finished += 1;
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                report["inserted"].as_u64().unwrap() + report["updated"].as_u64().unwrap(),
                ROWS as u64
            );
            promised += ROWS as u64;
            // One of its rows is findable by its exact credit code.
            let row: Value = serde_json::from_str(&slice[rng.below(ROWS as u64) as usize]).unwrap();
            assert_eq!(search_total(&env, row["credit_code"].as_str().unwrap()), 1, "round {round}");
        } else {
            killed += 1;
        }
        let report = check(&env);
        let stored = report["enterprises"].as_u64().unwrap();
        assert!(stored >= promised, "round {round}: {stored} stored, {promised} reported");
        assert!(stored <= ((round + 1) * ROWS) as u64);
    }
    eprintln!("{ROUNDS} rounds: {killed} killed mid-import, {finished} finished");
    // Re-importing everything completes the store without duplicates.
    let report = env.ok_json(&["import", "enterprises", s(&all)]);
    assert_eq!(report["rejected"], json!([]));
    assert_eq!(check(&env)["enterprises"].as_u64().unwrap(), (ROUNDS * ROWS) as u64);
}

#[test]
fn kill_9_during_api_writes_loses_no_acknowledged_write_and_a_live_backup_restores() {
    let env = Env::new();
    let mut rng = Rng::seeded();
    const ROUNDS: usize = 10;
    let mut acked: Vec<(String, String)> = Vec::new(); // (id, name) answered 201
    let mut backup: Option<(Vec<u8>, Vec<String>)> = None;
    for round in 0..ROUNDS {
        let (server, addr) = serve(&env, &[]);
        let mut server = KillOnDrop(server);
        let admin = std::fs::read_to_string(env.data().join("admin.token")).unwrap().trim().to_string();
        // Everything acknowledged before is here, and searchable.
        for (id, _) in &acked {
            let (status, _) =
                request_json(&addr, "GET", &format!("/api/v1/enterprises/{id}"), Some(&admin), None);
            assert_eq!(status, 200, "round {round}: acknowledged enterprise {id} is gone");
        }
        if let Some((_, name)) = acked.last() {
            assert_eq!(
                search_top_name(&addr, &admin, name),
                *name,
                "round {round}: {name} is not searchable"
            );
        }
        let stop = Arc::new(AtomicBool::new(false));
        let round_acked = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let (stop, round_acked, addr, admin) =
                (stop.clone(), round_acked.clone(), addr.clone(), admin.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let name = format!("崩溃测试第{round}轮第{i}号有限公司");
                    let body = json!({"name": name, "region": "320583", "products": ["正极材料"]});
                    // A request cut off by the kill gets no answer (`http` panics on the broken
                    // connection): that ends the thread. Any answer must be a 201.
                    let Ok((status, v)) = std::panic::catch_unwind(|| {
                        request_json(&addr, "POST", "/api/v1/enterprises", Some(&admin), Some(&body))
                    }) else {
                        return;
                    };
                    assert_eq!(status, 201, "round {round}: a write answered {status}: {v}");
                    round_acked.lock().unwrap().push((v["id"].as_str().unwrap().to_string(), name));
                    i += 1;
                }
            })
        };
        if round == ROUNDS / 2 {
            // A backup taken while the writer runs: it must hold every write acknowledged before
            // it was asked for, and none that was not acknowledged by the end.
            std::thread::sleep(Duration::from_millis(300));
            let acked_before: Vec<String> =
                acked.iter().chain(round_acked.lock().unwrap().iter()).map(|(id, _)| id.clone()).collect();
            let (status, _, bytes) =
                http(&addr, "POST", "/api/v1/backup", &[("Authorization", &format!("Bearer {admin}"))], b"");
            assert_eq!(status, 200);
            backup = Some((bytes, acked_before));
        }
        std::thread::sleep(Duration::from_millis(200 + rng.below(1_300)));
        server.kill(); // SIGKILL
        stop.store(true, Ordering::SeqCst);
        // A failed assertion in the writer fails the test here (a request cut off by the kill
        // ends the thread without one).
        writer.join().expect("the writer thread saw only 201 answers");
        acked.extend(round_acked.lock().unwrap().drain(..));
    }
    assert!(acked.len() >= ROUNDS, "the writer made progress ({} writes)", acked.len());
    let report = check(&env);
    assert!(report["enterprises"].as_u64().unwrap() >= acked.len() as u64);

    let (bytes, acked_before) = backup.unwrap();
    let file = env.write("live-backup.jsonl", bytes);
    let restored = Env::new();
    restored.ok(&["restore", s(&file)]);
    let report = check(&restored);
    let n = report["enterprises"].as_u64().unwrap();
    assert!(
        n >= acked_before.len() as u64,
        "{n} restored, {} acknowledged before the backup",
        acked_before.len()
    );
    assert!(n <= acked.len() as u64, "{n} restored, {} acknowledged in all", acked.len());
    let stored: Vec<String> = {
        let dump = restored.path("dump.jsonl");
        restored.ok(&["backup", s(&dump)]);
        std::fs::read_to_string(&dump)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["enterprise"]["id"].as_str().map(str::to_string))
            .collect()
    };
    for id in &acked_before {
        assert!(stored.contains(id), "{id} was acknowledged before the backup but is not in it");
    }
}

fn search_top_name(addr: &str, token: &str, words: &str) -> String {
    let q: String = serde_urlencoded::to_string([("q", words)]).unwrap();
    let (_, v) = request_json(addr, "GET", &format!("/api/v1/enterprises?{q}&limit=1"), Some(token), None);
    v["hits"][0]["name"].as_str().unwrap_or("").to_string()
}
