//! Several processes over one PostgreSQL store (SPEC §12): each sees the others' writes, identity
//! holds across processes, and a process killed mid-write loses nothing acknowledged.
//!
//! These need a shared store, so they run in the PostgreSQL pass of the suite
//! (`scripts/test-postgres.sh`, which `.ci/run` runs); in the sled pass each says so and returns
//! (one process per data dir is the embedded store's rule, tested in `process.rs`).

use crate::helpers::{Env, KillOnDrop, on_postgres, request_json};
use crate::process::serve;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn needs_postgres(test: &str) -> bool {
    if !on_postgres() {
        eprintln!("{test}: runs in the PostgreSQL pass (scripts/test-postgres.sh)");
    }
    on_postgres()
}

fn admin_token(env: &Env) -> String {
    std::fs::read_to_string(env.data().join("admin.token")).unwrap().trim().to_string()
}

/// Searches `addr` for `q` until `want` firms have the word; returns how long it took. (A search
/// nobody matches whole may still answer by the word's parts, tried with OR: that is none.)
fn until_found(addr: &str, q: &str, want: u64, token: &str) -> Duration {
    let started = Instant::now();
    let path = format!("/api/v1/enterprises?q={}", urlencode(q));
    loop {
        let (status, body) = request_json(addr, "GET", &path, Some(token), None);
        assert_eq!(status, 200, "{body}");
        let having = if body["relaxed"] == true { Some(0) } else { body["total"].as_u64() };
        if having == Some(want) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{addr} still shows {} of {want} for {q} after 20 s",
            body["total"]
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A valid credit code (GB 32100-2015 check character) from a 17-character body.
fn credit_code(body17: &str) -> String {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: u32 = body17.chars().zip(WEIGHTS).map(|(c, w)| CHARS.find(c).unwrap() as u32 * w).sum();
    let check = (31 - sum % 31) % 31;
    format!("{body17}{}", CHARS.chars().nth(check as usize).unwrap())
}

fn firm(name: &str, code: &str) -> Value {
    json!({"name": name, "region": "320412", "credit_code": code, "products": ["正极材料"]})
}

/// Two servers over one store: A started first (its start made the admin token), then B.
struct TwoProcesses {
    a: Env,
    b: Env,
    server_a: KillOnDrop,
    addr_a: String,
    server_b: KillOnDrop,
    addr_b: String,
    token: String,
}

fn two_processes() -> TwoProcesses {
    let a = Env::new();
    let b = a.sharing();
    let (server_a, addr_a) = serve(&a, &[]);
    let server_a = KillOnDrop(server_a);
    let token = admin_token(&a);
    let (server_b, addr_b) = serve(&b, &[]);
    TwoProcesses { a, b, server_a, addr_a, server_b: KillOnDrop(server_b), addr_b, token }
}

#[test]
fn two_processes_over_one_store_see_each_others_writes_and_share_identity() {
    if !needs_postgres("two_processes_over_one_store…") {
        return;
    }
    let TwoProcesses { a: _a, b, server_a: _server_a, addr_a, server_b: _server_b, addr_b, token } =
        two_processes();
    // B made no token of its own: the store had one already, and it works on B.
    assert!(!b.data().join("admin.token").exists());

    // Read-your-writes on the process that took the write; the other sees it soon after.
    let code = credit_code("91320412MA1ABCD01");
    let (status, created) = request_json(
        &addr_a,
        "POST",
        "/api/v1/enterprises",
        Some(&token),
        Some(&firm("共享甲电池有限公司", &code)),
    );
    assert_eq!(status, 201, "{created}");
    let (_, at_once) = request_json(
        &addr_a,
        "GET",
        "/api/v1/enterprises?q=%E5%85%B1%E4%BA%AB%E7%94%B2%E7%94%B5%E6%B1%A0",
        Some(&token),
        None,
    );
    assert_eq!(at_once["total"], 1, "the writer's own search has its write at once: {at_once}");
    let lag = until_found(&addr_b, "共享甲电池", 1, &token);
    eprintln!("B saw A's write after {lag:?}");
    let id = created["id"].as_str().unwrap();
    let (status, on_b) =
        request_json(&addr_b, "GET", &format!("/api/v1/enterprises/{id}"), Some(&token), None);
    assert_eq!((status, &on_b["credit_code"]), (200, &json!(code)));

    // The same credit code on the other process is the same firm: 409, not a second firm.
    let (status, refused) = request_json(
        &addr_b,
        "POST",
        "/api/v1/enterprises",
        Some(&token),
        Some(&firm("另一个名字有限公司", &code)),
    );
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "duplicate_enterprise");

    // An edit on B reaches A's search.
    let (status, edited) = request_json(
        &addr_b,
        "PUT",
        &format!("/api/v1/enterprises/{id}"),
        Some(&token),
        Some(&firm("共享乙材料有限公司", &code)),
    );
    assert_eq!(status, 200, "{edited}");
    until_found(&addr_a, "共享乙材料", 1, &token);
    until_found(&addr_a, "共享甲电池", 0, &token);

    // Two processes writing the same new credit code at the same moment: one 201, one 409.
    for round in 0..8 {
        let code = credit_code(&format!("91320412MA1RACE{round:02}"));
        let barrier = std::sync::Barrier::new(2);
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = [(&addr_a, "甲"), (&addr_b, "乙")]
                .into_iter()
                .map(|(addr, who)| {
                    let (barrier, token, code) = (&barrier, &token, &code);
                    s.spawn(move || {
                        let body = firm(&format!("同时{who}{round}有限公司"), code);
                        barrier.wait();
                        request_json(addr, "POST", "/api/v1/enterprises", Some(token), Some(&body)).0
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, vec![201, 409], "round {round}: {statuses:?}");
    }
    let (_, all) =
        request_json(&addr_a, "GET", "/api/v1/enterprises?q=%E5%90%8C%E6%97%B6", Some(&token), None);
    until_found(&addr_b, "同时", all["total"].as_u64().unwrap(), &token);
    assert_eq!(all["total"], 8, "one firm per round");
}

#[test]
fn a_process_killed_mid_write_loses_nothing_acknowledged_and_catches_up() {
    if !needs_postgres("a_process_killed_mid_write…") {
        return;
    }
    let TwoProcesses { a, b: _b, server_a, addr_a, server_b: _server_b, addr_b, token } = two_processes();
    let mut server_a = server_a;

    // A writer posts to A until A dies; every 201 is a firm that must survive.
    let acknowledged = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for i in 0.. {
                let body = json!({"name": format!("断电测试{i:04}有限公司"), "region": "320412"});
                let stream = std::net::TcpStream::connect(&addr_a);
                if stream.is_err() {
                    return;
                }
                let result = std::panic::catch_unwind(|| {
                    request_json(&addr_a, "POST", "/api/v1/enterprises", Some(&token), Some(&body))
                });
                match result {
                    Ok((201, v)) => acknowledged.lock().unwrap().push(v["id"].as_str().unwrap().to_string()),
                    Ok((status, v)) => panic!("write {i}: {status} {v}"),
                    Err(_) => return, // the connection died with the process
                }
            }
        });
        while acknowledged.lock().unwrap().len() < 30 {
            std::thread::sleep(Duration::from_millis(5));
        }
        server_a.kill();
        writer.join().unwrap();
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    let n = acknowledged.len() as u64;

    // B kept serving and has every acknowledged write.
    until_found(&addr_b, "断电测试", n.max(1), &token);
    let (_, on_b) = request_json(
        &addr_b,
        "GET",
        "/api/v1/enterprises?q=%E6%96%AD%E7%94%B5%E6%B5%8B%E8%AF%95&limit=1",
        Some(&token),
        None,
    );
    // A write in flight at the kill may have committed without its answer: at most one more.
    let total = on_b["total"].as_u64().unwrap();
    assert!(total == n || total == n + 1, "B has {total} of {n} acknowledged");
    for id in &acknowledged {
        let (status, _) =
            request_json(&addr_b, "GET", &format!("/api/v1/enterprises/{id}"), Some(&token), None);
        assert_eq!(status, 200, "acknowledged {id} is lost");
    }

    // B writes while A is down; A, restarted, catches up with both.
    let (status, _) = request_json(
        &addr_b,
        "POST",
        "/api/v1/enterprises",
        Some(&token),
        Some(&json!({"name": "断电测试期间有限公司", "region": "320412"})),
    );
    assert_eq!(status, 201);
    let (server_a, addr_a) = serve(&a, &[]);
    let _server_a = KillOnDrop(server_a);
    until_found(&addr_a, "断电测试", total + 1, &token);
}

/// A PostgreSQL server of this test's own (the suite's server is shared by every test), on a
/// free port, stopped when dropped.
struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl OwnPostgres {
    fn start() -> OwnPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect(
                "PostgreSQL's binaries under /usr/lib/postgresql (scripts/test-postgres.sh installs them)",
            )
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = OwnPostgres { dir, bin, port };
        if Self::root() {
            assert!(
                Command::new("chown")
                    .arg("-R")
                    .arg("postgres")
                    .arg(pg.dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let data = pg.dir.path().join("data");
        let out = pg.run("initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        pg.ctl("start");
        pg
    }

    fn root() -> bool {
        Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    }

    /// Runs one of PostgreSQL's programs, as the `postgres` user when the tests run as root
    /// (the server refuses root).
    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let path = self.bin.join(program);
        let mut c = if Self::root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        c.args(args).output().unwrap()
    }

    fn ctl(&self, action: &str) {
        let data = self.dir.path().join("data");
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let log = self.dir.path().join("server.log");
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-m",
                "fast",
                "-w",
                action,
            ],
        );
        assert!(out.status.success(), "pg_ctl {action}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.run("pg_ctl", &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"]);
    }
}

use std::process::Command;

#[test]
fn while_postgres_restarts_writes_get_503_reads_keep_answering_and_nothing_acknowledged_is_lost() {
    if !needs_postgres("while_postgres_restarts…") {
        return;
    }
    let pg = OwnPostgres::start();
    let mut env = Env::new();
    env.store = Some(pg.url());
    let (server, addr) = serve(&env, &[]);
    let mut server = KillOnDrop(server);
    let token = admin_token(&env);
    let post = |name: &str| {
        let body = json!({"name": name, "region": "320412", "products": ["隔膜"]});
        request_json(&addr, "POST", "/api/v1/enterprises", Some(&token), Some(&body))
    };
    for i in 0..20 {
        assert_eq!(post(&format!("重启前{i:02}隔膜有限公司")).0, 201);
    }

    pg.ctl("stop");
    // Reads come from memory: search, chain list, health; the token is still known.
    let (status, found) =
        request_json(&addr, "GET", "/api/v1/enterprises?q=%E9%87%8D%E5%90%AF%E5%89%8D", Some(&token), None);
    assert_eq!((status, &found["total"]), (200, &json!(20)), "{found}");
    let (status, _) = request_json(&addr, "GET", "/api/v1/chains", Some(&token), None);
    assert_eq!(status, 200);
    // Writes are refused with a code a client can retry on, and store nothing.
    let (status, refused) = post("停机时写入有限公司");
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"]["code"], "store_unavailable");

    pg.ctl("start");
    // The next statement reconnects.
    let started = Instant::now();
    loop {
        let (status, body) = post("重启后隔膜有限公司");
        if status == 201 {
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(started.elapsed() < Duration::from_secs(20), "still 503 after the restart: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    until_found(&addr, "重启前", 20, &token);
    until_found(&addr, "重启后", 1, &token);
    until_found(&addr, "停机时写入", 0, &token);
    server.kill();
    let r = env.run(&["--json", "check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["enterprises"], 21);
}
