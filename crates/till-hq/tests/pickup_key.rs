//! HQ's pickup signing key lives in a private file, not in the database: an HQ from before
//! the file moves its seed out, a copied database holds nothing that signs, a file others
//! may read is refused, and a rotation hands over along an endorsed history.
#![allow(clippy::unwrap_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;

use till_hq::{Hq, KeyFile};
use till_token::Issuer;

fn seeds_in(db: &rusqlite::Connection) -> i64 {
    db.query_row("SELECT count(*) FROM hq_meta WHERE key = 'pickup_key_seed'", [], |r| r.get(0)).unwrap()
}

#[test]
fn an_old_seed_moves_from_the_database_into_a_private_file_and_rotations_are_endorsed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.sqlite");
    let url = format!("sqlite:{}", path.display());
    let hq = Hq::open(&url).unwrap();
    // The database as an HQ from before the key file left it.
    let db = rusqlite::Connection::open(&path).unwrap();
    let seed = [42u8; 32];
    db.execute("INSERT INTO hq_meta (key, value) VALUES ('pickup_key_seed', ?1)", [hex::encode(seed)]).unwrap();

    let key = hq.pickup_key().unwrap();
    assert_eq!(key, Issuer::from_seed(seed).public_key(), "registers enrolled before keep verifying");
    let file = dir.path().join("hq.sqlite.pickup-key");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(seeds_in(&db), 0, "a backup of the database no longer mints tokens");
    assert!(std::fs::read_to_string(&file).unwrap().contains(&hex::encode(seed)));

    // Another HQ process on the same database and file signs with the same key.
    assert_eq!(Hq::open(&url).unwrap().pickup_key().unwrap(), key);

    // Rotation: a new key, endorsed by the old one; the old secret is gone from the file.
    let history = hq.rotate_pickup_key().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].key, key);
    let new = &history[1].key;
    assert_ne!(new, &key);
    assert_eq!(&hq.pickup_key().unwrap(), new);
    let steps = history.iter().map(|s| (s.key.as_str(), s.endorsement.as_str()));
    till_token::follow_rotation(&key, new, steps).unwrap();
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&hex::encode(seed)));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

    // A file others may read is refused, saying how to fix it.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = hq.pickup_key().unwrap_err().to_string();
    assert!(e.contains("others may read it") && e.contains("chmod 600"), "{e}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A file whose history was tampered with (a key slipped in) is refused.
    let text = std::fs::read_to_string(&file).unwrap();
    let intruder = Issuer::from_seed([9; 32]).public_key();
    std::fs::write(&file, text.replacen(&key, &intruder, 1)).unwrap();
    let e = hq.pickup_key().unwrap_err().to_string();
    assert!(e.contains("not signed by the key before it"), "{e}");
}

#[test]
fn without_a_key_file_hq_on_postgresql_says_what_to_give_and_a_file_of_another_hq_is_refused() {
    // The default for PostgreSQL is no file: the error names the flag. (No server is
    // needed: the key is asked for before any query would be.)
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("hq.sqlite").display());
    let hq = Hq::open(&url).unwrap().with_pickup_key(KeyFile::default_for("postgres://till@127.0.0.1:1/hq"));
    let e = hq.pickup_key().unwrap_err().to_string();
    assert!(e.contains("--pickup-key FILE") && e.contains("TILL_HQ_PICKUP_KEY"), "{e}");

    // A database still holding a seed, given another HQ's key file: refused, nothing deleted.
    let other = dir.path().join("other.pickup-key");
    Hq::open(&format!("sqlite:{}", dir.path().join("other.sqlite").display()))
        .unwrap()
        .with_pickup_key(KeyFile::at(&other))
        .pickup_key()
        .unwrap();
    let db = rusqlite::Connection::open(dir.path().join("hq.sqlite")).unwrap();
    db.execute("INSERT INTO hq_meta (key, value) VALUES ('pickup_key_seed', ?1)", [hex::encode([5u8; 32])]).unwrap();
    let e = Hq::open(&url).unwrap().with_pickup_key(KeyFile::at(&other)).pickup_key().unwrap_err().to_string();
    assert!(e.contains("does not know"), "{e}");
    assert_eq!(seeds_in(&db), 1);
}
