//! A small WebDriver client for the browser tests: Debian's `chromedriver` driving headless
//! `chromium`, spoken to over plain HTTP/1.1 (the W3C WebDriver protocol is JSON over HTTP), so
//! the tests need no browser crate.

use crate::helpers::http;
use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where Debian installs the browser and its driver, when they are here.
pub fn browser_paths() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        names.iter().map(PathBuf::from).find(|p| p.exists()).or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
                .find(|p| p.exists())
        })
    };
    Some((
        find(&["/usr/bin/chromium", "chromium", "chromium-browser"])?,
        find(&["/usr/bin/chromedriver", "chromedriver"])?,
    ))
}

/// A running chromedriver; killed on drop.
pub struct Driver {
    child: Child,
    addr: String,
    chromium: PathBuf,
}

impl Driver {
    pub fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, addr, chromium: chromium.to_path_buf() }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let (status, _, body) =
            http(&self.addr, method, path, &[("Content-Type", "application/json; charset=utf-8")], &bytes);
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status != 200 {
            panic!("WebDriver {method} {path}: {status} {}", v["value"]);
        }
        v["value"].clone()
    }

    /// A new headless browser window.
    pub fn session(&self) -> Browser<'_> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1440,1000", "--lang=zh-CN", "--no-first-run"]
            }
        }}});
        let v = self.call("POST", "/session", Some(caps));
        let id = v["sessionId"].as_str().expect("a session id").to_string();
        Browser { driver: self, id }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser window; closed on drop.
pub struct Browser<'d> {
    driver: &'d Driver,
    id: String,
}

impl Browser<'_> {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver.call(method, &format!("/session/{}{path}", self.id), body)
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.call("POST", "/window/rect", Some(json!({"width": width, "height": height})));
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub fn exec(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": args})))
    }

    /// Polls `script` until it returns something truthy; panics with `what` after 20 s.
    pub fn wait(&self, what: &str, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.exec(script, args.clone());
            let truthy = !matches!(&v, Value::Null | Value::Bool(false))
                && v != json!(0)
                && v != json!("")
                && v != json!([]);
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let body = self.exec("return document.body.innerText.slice(0, 2000)", json!([]));
                panic!("timed out waiting for {what}; the page says:\n{}", body.as_str().unwrap_or(""));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the page module has rendered (`body[data-ready]`).
    pub fn ready(&self) {
        self.wait("the page to render", "return document.body.dataset.ready === 'true'", json!([]));
    }

    fn element(&self, css: &str) -> String {
        let v = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_string()
    }

    /// A real click, as a user makes it (the element is scrolled into view first).
    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Types into a field (or, for a file input, picks a file by path).
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })));
    }

    pub fn text(&self, css: &str) -> String {
        self.exec(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null",
            json!([css]),
        )
        .as_str()
        .unwrap_or_else(|| panic!("no element {css}"))
        .to_string()
    }

    pub fn count(&self, css: &str) -> u64 {
        self.exec("return document.querySelectorAll(arguments[0]).length", json!([css])).as_u64().unwrap()
    }

    /// Prints the page as the browser's print dialog would (A4 landscape); returns the PDF.
    pub fn print_a4_landscape(&self) -> Vec<u8> {
        let b64 = self.call(
            "POST",
            "/print",
            Some(json!({"orientation": "landscape", "page": {"width": 29.7, "height": 21.0}, "background": true})),
        );
        base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap()
    }

    /// Saves a PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = http(&self.driver.addr, "DELETE", &format!("/session/{}", self.id), &[], b"");
    }
}
