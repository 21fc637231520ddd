//! Races on the write path, each written first as a test that failed (issue 11): writes racing a
//! structural chain change, a delete racing a batch import, a live backup during mixed writes, and
//! `kill -9` of a server taking concurrent writes and chain changes. Threads run in
//! `std::thread::scope`, which re-raises any thread's panic, so a failed assertion inside a thread
//! fails the test.

use crate::helpers::{Env, KillOnDrop, request_json};
use crate::process::serve;
use crate::properties::CHAIN;
use crate::rebuild::agrees_with_rebuild;
use chainscout::app::App;
use chainscout::import::{Format, read_bytes};
use chainscout::model::{EnterprisePatch, RegionCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn patch(name: &str, region: &str, products: &[&str]) -> EnterprisePatch {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let r = json!({"name": name, "region": region, "products": products});
    EnterprisePatch::from_record(r.as_object().unwrap(), today).unwrap()
}

fn mini_app(dir: &std::path::Path) -> App {
    let app = App::open(crate::helpers::location(dir)).unwrap();
    app.import_chain_files(&[("mini.toml".into(), CHAIN.into())], "test").unwrap();
    app
}

/// The mini chain with its materials link's keywords changed: a structural change.
fn restructured(app: &App, i: usize) -> chainscout::model::Chain {
    let mut chain = app.store().chain("mini").unwrap().unwrap();
    chain.links[0].keywords = vec!["材料".into()];
    if i % 2 == 1 {
        chain.links[0].keywords.push("负极".into());
    }
    chain
}

/// Opens the data dir again (after the app is dropped) and checks it on disk and after opening.
fn checks_clean(dir: &std::path::Path) {
    let (_, report) = App::check(crate::helpers::location(dir)).unwrap();
    assert_eq!(report.problems, Vec::<String>::new(), "{report:?}");
    assert_eq!(report.repairs, Vec::<String>::new(), "a clean stop leaves nothing to repair");
}

#[test]
fn writes_racing_structural_chain_changes_leave_graph_and_index_equal_to_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let app = mini_app(dir.path());
    let products = [["正极材料"], ["电芯"], ["负极材料"], ["其他"]];
    std::thread::scope(|s| {
        for t in 0..4 {
            let app = &app;
            s.spawn(move || {
                for i in 0..40 {
                    let name = format!("竞态{t}号{}有限公司", i % 7);
                    if i % 5 == 4 {
                        if let Some(id) =
                            app.store().find_by_name(&name, RegionCode::parse("320412").unwrap()).unwrap()
                        {
                            // Another step may have deleted it first.
                            let _ = app.delete_enterprise(id, "test");
                        }
                    } else {
                        app.write_enterprise(patch(&name, "320412", &products[(i + t) % 4])).unwrap();
                    }
                }
            });
        }
        let app = &app;
        s.spawn(move || {
            for i in 0..12 {
                if i % 3 == 2 {
                    app.edit_chain("mini", "patch_chain", "test", |c| {
                        c.owner = Some(format!("链长{i}"));
                        Ok(())
                    })
                    .unwrap();
                } else {
                    app.put_chain("mini.toml", restructured(app, i), "test").unwrap();
                }
                std::thread::sleep(Duration::from_millis(3));
            }
        });
    });
    agrees_with_rebuild(&app).unwrap();
    drop(app);
    checks_clean(dir.path());
}

#[test]
fn a_delete_racing_a_batch_import_never_resurrects_or_duplicates_an_enterprise() {
    let dir = tempfile::tempdir().unwrap();
    let app = mini_app(dir.path());
    const N: usize = 2_500; // several import batches
    let rows = |product: &str| {
        let lines: Vec<String> = (0..N)
            .map(|i| {
                json!({"name": format!("批量{i}有限公司"), "region": "320412", "products": [product]})
                    .to_string()
            })
            .collect();
        read_bytes(lines.join("\n").as_bytes(), Format::JsonLines, None).unwrap()
    };
    let first = app.import_table(rows("电芯"), None, &mut |_, _| {}).unwrap();
    assert_eq!(first.inserted, N);
    let ids: Vec<_> = app.store().enterprises().map(|e| e.unwrap().id).collect();
    std::thread::scope(|s| {
        let app = &app;
        s.spawn(move || {
            let report = app.import_table(rows("正极材料"), None, &mut |_, _| {}).unwrap();
            assert_eq!(report.inserted + report.updated, N, "{:?}", report.rejected.first());
        });
        s.spawn(move || {
            // From the end, so the deletes meet batches the import has not reached yet.
            for id in ids.iter().rev().step_by(3) {
                // Each id is deleted once and the import never deletes: this always finds it.
                app.delete_enterprise(*id, "test").unwrap();
            }
        });
    });
    let stored: Vec<_> = app.store().enterprises().map(|e| e.unwrap()).collect();
    let mut names: Vec<&str> = stored.iter().map(|e| e.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), stored.len(), "one record per firm");
    assert!(stored.len() <= N);
    agrees_with_rebuild(&app).unwrap();
    drop(app);
    checks_clean(dir.path());
}

#[test]
fn a_live_backup_during_mixed_writes_restores_whole_transactions_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = mini_app(dir.path());
    let stop = AtomicBool::new(false);
    let backup = std::thread::scope(|s| {
        for t in 0..3 {
            let (app, stop) = (&app, &stop);
            s.spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let e = app
                        .create_enterprise(patch(&format!("备份{t}号{i}有限公司"), "320412", &["电芯"]), "w")
                        .unwrap();
                    if i % 3 == 2 {
                        app.delete_enterprise(e.id, "w").unwrap();
                    }
                    i += 1;
                }
            });
        }
        // Wait for some writes (a debug build commits a few dozen a second).
        let started = std::time::Instant::now();
        while app.store().audit(usize::MAX).unwrap().len() < 20 && started.elapsed() < Duration::from_secs(30)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut out = Vec::new();
        app.backup(&mut out).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        stop.store(true, Ordering::SeqCst);
        out
    });
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = App::open(crate::helpers::location(restored_dir.path())).unwrap();
    restored.restore(std::io::Cursor::new(&backup)).unwrap();
    agrees_with_rebuild(&restored).unwrap();
    // Each create and delete was one transaction with its audit entry: the snapshot has an
    // enterprise exactly when it has its creation and not its deletion.
    let audit = restored.store().audit(usize::MAX).unwrap();
    let targets = |action: &str| -> std::collections::BTreeSet<String> {
        audit.iter().filter(|a| a.action == action).map(|a| a.target.clone()).collect()
    };
    let (created, deleted) = (targets("create_enterprise"), targets("delete_enterprise"));
    let live: std::collections::BTreeSet<String> =
        restored.store().enterprises().map(|e| e.unwrap().id.to_string()).collect();
    assert!(created.len() > 10, "the writers made progress before the backup ({})", created.len());
    let expected: std::collections::BTreeSet<String> = created.difference(&deleted).cloned().collect();
    assert_eq!(live, expected);
    drop(restored);
    checks_clean(restored_dir.path());
}

fn put_toml(addr: &str, token: &str, path: &str, body: &str) -> u16 {
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/toml")];
    crate::helpers::http(addr, "PUT", path, &headers, body.as_bytes()).0
}

#[test]
fn kill_9_during_concurrent_api_writes_and_structural_chain_changes_leaves_a_data_dir_that_checks_clean() {
    let env = Env::new();
    for round in 0..3 {
        let (server, addr) = serve(&env, &[]);
        let mut server = KillOnDrop(server);
        let admin = std::fs::read_to_string(env.data().join("admin.token")).unwrap().trim().to_string();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            for t in 0..6 {
                let (addr, admin, stop) = (&addr, &admin, &stop);
                s.spawn(move || {
                    let mut mine: Vec<String> = Vec::new();
                    let mut i = 0;
                    while !stop.load(Ordering::SeqCst) {
                        let name = format!("杀进程第{round}轮{t}号{i}有限公司");
                        let body =
                            json!({"name": name, "region": "320412", "products": ["电芯", "正极材料"]});
                        // A request cut off by the kill gets no status: then this thread stops.
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match i % 4 {
                            3 if !mine.is_empty() => {
                                let id = mine.remove(0);
                                let (status, v) = request_json(
                                    addr,
                                    "DELETE",
                                    &format!("/api/v1/enterprises/{id}"),
                                    Some(admin),
                                    None,
                                );
                                (status, v, None)
                            }
                            2 if !mine.is_empty() => {
                                let id = mine[0].clone();
                                let (status, v) = request_json(
                                    addr,
                                    "PUT",
                                    &format!("/api/v1/enterprises/{id}"),
                                    Some(admin),
                                    Some(&body),
                                );
                                (status, v, None)
                            }
                            _ => {
                                let (status, v) = request_json(
                                    addr,
                                    "POST",
                                    "/api/v1/enterprises",
                                    Some(admin),
                                    Some(&body),
                                );
                                let id = v["id"].as_str().map(str::to_string);
                                (status, v, id)
                            }
                        }));
                        let Ok((status, v, created)) = result else { return };
                        assert!(
                            matches!(status, 200 | 201 | 204),
                            "round {round}: a write answered {status}: {v}"
                        );
                        mine.extend(created);
                        i += 1;
                    }
                });
            }
            {
                let (addr, admin, stop) = (&addr, &admin, &stop);
                s.spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let q = serde_urlencoded::to_string([("q", "有限公司")]).unwrap();
                        if std::panic::catch_unwind(|| {
                            request_json(addr, "GET", &format!("/api/v1/enterprises?{q}"), Some(admin), None)
                        })
                        .is_err()
                        {
                            return;
                        }
                    }
                });
            }
            {
                let (addr, admin, stop) = (&addr, &admin, &stop);
                s.spawn(move || {
                    let mut i = 0;
                    while !stop.load(Ordering::SeqCst) {
                        // A new link each time: a structural change, so graph and index are rebuilt.
                        let body = format!("{CHAIN}\n[[links]]\nid = \"extra{i}\"\nname = \"新环节{i}\"\nstage = \"downstream\"\nkeywords = [\"有限\"]\n");
                        let Ok(status) = std::panic::catch_unwind(|| put_toml(addr, admin, "/api/v1/chains/mini", &body)) else { return };
                        assert!(matches!(status, 200 | 201), "round {round}: chain PUT answered {status}");
                        i += 1;
                        std::thread::sleep(Duration::from_millis(150));
                    }
                });
            }
            std::thread::sleep(Duration::from_millis(1_200 + 400 * round as u64));
            server.kill(); // SIGKILL, while every thread is mid-request
            stop.store(true, Ordering::SeqCst);
        });
        let r = env.run(&["--json", "check"]);
        let report: Value = r.json();
        assert_eq!(r.code, 0, "round {round}: check failed: {report}\n{}", r.stderr);
        assert_eq!(report["problems"], json!([]), "round {round}");
        assert!(report["enterprises"].as_u64().unwrap() > 0, "round {round}: the writers made progress");
    }
}
