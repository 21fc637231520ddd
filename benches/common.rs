// Shared by two bench binaries; each uses a part of it.
#![allow(dead_code)]

//! Shared by the benches: the data dir of `CHAINSCOUT_BENCH_N` (default 1,000,000) synthetic
//! enterprises from `chainscout gen` plus the demo, built once into target/bench-data-N.

use chainscout::app::App;
use std::path::PathBuf;
use std::time::Instant;

pub fn n_enterprises() -> usize {
    std::env::var("CHAINSCOUT_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

pub fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { dir_size(&p) } else { e.metadata().map(|m| m.len()).unwrap_or(0) }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Resident memory of this process in MB (Linux).
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data-{}", n_enterprises()))
}

/// Opens (building on first use) the bench data dir.
pub fn app() -> App {
    let n = n_enterprises();
    let dir = data_dir();
    let fresh = !dir.join("store").exists();
    let app = App::open(&dir).expect("open bench data dir");
    if fresh {
        let file = dir.join("gen.jsonl");
        chainscout::generate::write_file(&file, n, 42, &mut |_, _| {}).unwrap();
        app.load_demo(&mut |_, _| {}).unwrap();
        let start = Instant::now();
        let table = chainscout::import::read_file(&file, None).unwrap();
        let report = app.import_table(table, None, &mut |_, _| {}).unwrap();
        let import = start.elapsed();
        let start = Instant::now();
        app.reindex(&mut |_, _| {}).unwrap();
        let rebuild = start.elapsed();
        let total = app.store().count_enterprises();
        println!(
            "build: import {} rows in {:.1} s ({:.0} rows/s, store + graph + index); graph and index rebuild of {} in {:.1} s ({:.0} docs/s)",
            report.inserted,
            import.as_secs_f64(),
            report.inserted as f64 / import.as_secs_f64(),
            total,
            rebuild.as_secs_f64(),
            total as f64 / rebuild.as_secs_f64()
        );
        let _ = std::fs::remove_file(file);
    }
    println!(
        "data: {} enterprises; index {:.0} MB, store {:.0} MB",
        app.store().count_enterprises(),
        dir_size(&dir.join("search")) as f64 / 1e6,
        dir_size(&dir.join("store")) as f64 / 1e6
    );
    app
}
