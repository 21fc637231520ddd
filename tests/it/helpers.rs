//! Running the binary and reading what it prints.

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The PostgreSQL server the whole suite runs against a second time (SPEC §12), e.g.
/// `postgres://postgres@127.0.0.1:55432/chainscout_test` (see README: Tests); unset: sled.
pub const POSTGRES_ENV: &str = "CHAINSCOUT_TEST_POSTGRES";

/// Whether this run keeps records in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty())
}

/// For a test of the embedded store's own files (sled's directory, its lock): in the PostgreSQL
/// pass it says so and the test returns.
pub fn sled_only(test: &str) -> bool {
    if on_postgres() {
        eprintln!("{test}: tests sled's own files; runs in the sled pass");
    }
    !on_postgres()
}

/// The store URL for a data dir: with [`POSTGRES_ENV`] set, a schema of its own in that
/// database (made on first use, named after the data dir's path, so reopening the dir finds the
/// same records); otherwise `None` (sled in the data dir).
pub fn store_url(data: &Path) -> Option<String> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let base = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty())?;
    let schema = format!(
        "t{:016x}",
        BuildHasherDefault::<DefaultHasher>::default().hash_one(data.to_string_lossy().as_bytes())
    );
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={base}: {e}"));
    client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

/// Where a test's app keeps things: `data`, with its records in PostgreSQL when the suite runs
/// against it.
pub fn location(data: &Path) -> chainscout::store::Location {
    chainscout::store::Location { data: data.to_path_buf(), store: store_url(data) }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chainscout"))
}

/// A temporary data directory and the binary pointed at it.
pub struct Env {
    pub dir: tempfile::TempDir,
    /// The PostgreSQL store of this env's data dir, when the suite runs against one.
    pub store: Option<String>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let store = store_url(&dir.path().join("data"));
        Env { dir, store }
    }

    /// A second data dir over this env's store: another process of a shared-store deployment.
    pub fn sharing(&self) -> Env {
        let dir = tempfile::tempdir().unwrap();
        Env { dir, store: self.store.clone() }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--data").arg(self.data()).env("CHAINSCOUT_LOG", "warn").env_remove("CHAINSCOUT_STORE");
        if let Some(url) = &self.store {
            c.arg("--store").arg(url);
        }
        c.args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    /// Runs and insists on exit code 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?} failed:\n{}\n{}", r.stdout, r.stderr);
        r
    }

    pub fn ok_json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        self.ok(&a).json()
    }

    pub fn n_enterprises(&self) -> u64 {
        self.ok_json(&["info"])["enterprises"].as_u64().unwrap()
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The link of a `chain --json` result.
pub fn link<'a>(chain: &'a Value, id: &str) -> &'a Value {
    chain["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no link {id}"))
}

/// One HTTP/1.1 request; returns status, response head and body. Reads by Content-Length when
/// given, since some servers (chromedriver) keep the connection open despite `Connection: close`.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body); // the server may answer (413) before reading it all
    let mut response = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).unwrap();
        response.extend_from_slice(&buf[..n]);
        if let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            let original = String::from_utf8_lossy(&response[..split]).into_owned();
            let head = original.to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            let chunked_done =
                head.contains("transfer-encoding: chunked") && response.ends_with(b"0\r\n\r\n");
            if length.is_some_and(|len| response.len() >= split + 4 + len) || chunked_done || n == 0 {
                let status = head[9..12].parse().unwrap();
                let mut body = response[split + 4..].to_vec();
                if let Some(len) = length {
                    body.truncate(len);
                } else if head.contains("transfer-encoding: chunked") {
                    body = dechunk(&body);
                }
                return (status, original, body);
            }
        }
        assert!(n > 0, "the connection closed before a whole response");
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

/// A JSON request to the service, with a bearer token when given; returns the status and the
/// body as JSON (`Null` when it is not JSON).
pub fn request_json(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = Vec::new();
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    let (status, _, response) = http(addr, method, path, &headers, &bytes);
    (status, serde_json::from_slice(&response).unwrap_or(Value::Null))
}

/// A child process (a server) stopped however the test ends, a failed assertion included.
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    /// SIGKILL now, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}
