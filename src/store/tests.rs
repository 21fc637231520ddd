use super::*;
use crate::model::EnterprisePatch;
use serde_json::json;

fn key() -> crate::app::WriteKey {
    crate::app::WriteKey::for_tests()
}

fn enterprise(txn: &Txn<'_>, v: serde_json::Value) -> Enterprise {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let p = EnterprisePatch::from_record(v.as_object().unwrap(), today).unwrap();
    p.into_new(txn.new_enterprise_id()).unwrap()
}

#[test]
fn an_enterprise_is_found_by_id_credit_code_and_name_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let e = {
        let store = Store::open(dir.path()).unwrap();
        let mut txn = store.begin(&key()).unwrap();
        let e = enterprise(
            &txn,
            json!({"name": "某公司", "region": "320400", "credit_code": "91152201078377449P"}),
        );
        txn.put_enterprise(None, &e).unwrap();
        let committed = txn.commit().unwrap();
        assert_eq!(committed.generation, 1);
        assert_eq!(committed.enterprises, vec![(e.id, Some(e.clone()))]);
        drop(committed);
        store.flush().unwrap();
        e
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.enterprise(e.id).unwrap().as_ref(), Some(&e));
    assert_eq!(store.find_by_credit_code(e.credit_code.as_ref().unwrap()).unwrap(), Some(e.id));
    assert_eq!(store.find_by_name("某公司", e.region).unwrap(), Some(e.id));
    assert_eq!(store.count_enterprises(), 1);
    assert_eq!(store.generation(), 1);
}

#[test]
fn renaming_moves_the_identity_key_and_a_delete_frees_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut txn = store.begin(&key()).unwrap();
    let e = enterprise(&txn, json!({"name": "旧名公司", "region": "320400"}));
    txn.put_enterprise(None, &e).unwrap();
    let mut renamed = e.clone();
    renamed.name = "新名公司".into();
    txn.put_enterprise(Some(&e), &renamed).unwrap();
    assert_eq!(txn.find_by_name("旧名公司", e.region).unwrap(), None, "the transaction sees its own writes");
    assert_eq!(txn.find_by_name("新名公司", e.region).unwrap(), Some(e.id));
    assert_eq!(store.find_by_name("新名公司", e.region).unwrap(), None, "nothing stored before commit");
    let committed = txn.commit().unwrap();
    assert_eq!(committed.enterprises, vec![(e.id, Some(renamed.clone()))], "one entry, the newest version");
    drop(committed);
    assert_eq!(store.find_by_name("旧名公司", e.region).unwrap(), None);
    assert_eq!(store.find_by_name("新名公司", e.region).unwrap(), Some(e.id));
    let mut txn = store.begin(&key()).unwrap();
    assert_eq!(txn.delete_enterprise(e.id).unwrap(), Some(renamed));
    assert_eq!(txn.enterprise(e.id).unwrap(), None);
    let committed = txn.commit().unwrap();
    assert_eq!(committed.enterprises, vec![(e.id, None)]);
    drop(committed);
    assert_eq!(store.find_by_name("新名公司", e.region).unwrap(), None);
    assert_eq!(store.count_enterprises(), 0);
}

#[test]
fn every_kind_of_change_bumps_the_generation_and_logs_it_in_its_own_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let at = chrono::Utc::now();
    let mut txn = store.begin(&key()).unwrap();
    txn.dismiss("c", EnterpriseId(7), &Dismissal { reason: "r".into(), by: "b".into(), at }).unwrap();
    drop(txn.commit().unwrap());
    let mut txn = store.begin(&key()).unwrap();
    let t = TokenRecord {
        id: "tok_1".into(),
        name: "n".into(),
        role: crate::model::Role::Viewer,
        created: at,
        unit: None,
    };
    txn.put_token(&[1u8; 32], &t).unwrap();
    txn.audit(&AuditEntry::now("me", "create_token", "tok_1", None, None)).unwrap();
    drop(txn.commit().unwrap());
    let mut txn = store.begin(&key()).unwrap();
    assert_eq!(txn.delete_token("tok_1").unwrap(), Some(t));
    drop(txn.commit().unwrap());
    // An empty transaction changes nothing.
    drop(store.begin(&key()).unwrap().commit().unwrap());
    assert_eq!(store.generation(), 3);
    let changes = store.changes_since(0).unwrap().expect("the log has every generation");
    assert_eq!(changes.generations, 3);
    assert!(changes.enterprises.is_empty() && changes.chains.is_empty());
    assert_eq!(store.dismissals("c").unwrap().len(), 1);
    assert_eq!(store.audit(10).unwrap().len(), 1);
    assert!(store.tokens().unwrap().is_empty());
}

#[test]
fn a_store_of_an_earlier_release_has_its_trees_moved_into_records() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path().join("store")).unwrap();
        let tokens = db.open_tree("tokens").unwrap();
        let t = json!({"id": "tok_old", "name": "old", "role": "admin", "created": "2026-01-01T00:00:00Z"});
        tokens.insert([9u8; 32], [&[1u8][..], t.to_string().as_bytes()].concat()).unwrap();
        db.flush().unwrap();
    }
    // As an earlier release left it: its pid file names this process, so the open waits for
    // sled's background flusher to let go of the lock of the handle just dropped (without it,
    // the open failed now and then as "store in use").
    std::fs::write(dir.path().join(PID_FILE), std::process::id().to_string()).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let tokens = store.tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].role, crate::model::Role::Admin);
    assert!(store.token_by_hash(&[9u8; 32]).unwrap().is_some());
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.tokens().unwrap().len(), 1, "moved once, not twice");
}
