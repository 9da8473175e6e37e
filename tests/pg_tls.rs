//! HQ reaching PostgreSQL over TLS, as the database URL's `sslmode` says: the real
//! `till-hq` binary on the suite's own PostgreSQL server (TILL_TEST_PG, started by
//! `scripts/pg-server`, which always turns TLS on with a test CA in TILL_TEST_PG_CA), a
//! real register enrolling and syncing, and the server itself asked whether HQ's
//! connections are encrypted (`pg_stat_ssl`).
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

use till_tests::TempRegister;
use till_tests::fleet::hq_sales;
use till_tests::hq::{HqProcess, fresh_pg_database, hq_admin};

/// The suite's PostgreSQL server and its CA file, or `None` (with the reason printed)
/// when this run has no PostgreSQL.
fn server() -> Option<(String, String)> {
    let Some(base) = std::env::var("TILL_TEST_PG").ok().filter(|u| !u.is_empty()) else {
        println!("skipped: TILL_TEST_PG names no PostgreSQL server (./test runs this file with one)");
        return None;
    };
    let ca = std::env::var("TILL_TEST_PG_CA").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| {
        panic!(
            "TILL_TEST_PG is set but TILL_TEST_PG_CA is not: name the CA of the server's certificate \
             (scripts/pg-server start DIR writes DIR/ca.crt)"
        )
    });
    Some((base, ca))
}

/// How many of the server's connections are to database `db`, and how many of them use TLS.
fn connections(base: &str, db: &str) -> (u64, u64) {
    let sql = format!(
        "SELECT count(*) || ' ' || count(*) FILTER (WHERE s.ssl) FROM pg_stat_activity a \
         JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '{db}'"
    );
    let out = Command::new("psql").args([base, "-Atc", &sql]).output().unwrap();
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    let (all, tls) = said.trim().split_once(' ').unwrap();
    (all.parse().unwrap(), tls.parse().unwrap())
}

/// A fresh database `till_NAME` on the server, its URL with `params` appended.
fn database(base: &str, name: &str, params: &str) -> String {
    format!("{}?{params}", fresh_pg_database(base, name))
}

/// HQ on `url` serves a register's enrollment and a sync of its three offline sales;
/// returns the (connections, of them TLS) HQ holds to its database afterwards.
fn sync_round(base: &str, name: &str, url: &str) -> (u64, u64) {
    let hq = HqProcess::start(url);
    let till = TempRegister::selling_offline("AMS-01", "R1", 3, 14);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync(), "till sync against HQ on {url}");
    assert_eq!(hq_sales(&hq).len(), 3, "HQ on {url} has the register's sales");
    let seen = connections(base, &format!("till_{name}"));
    drop(hq);
    seen
}

#[test]
fn hq_on_postgres_with_sslmode_require_syncs_over_tls_and_disable_does_not() {
    let Some((base, _)) = server() else { return };
    let url = database(&base, "tls_require", "sslmode=require");
    let (all, tls) = sync_round(&base, "tls_require", &url);
    assert!(all >= 1, "HQ keeps its connections open (pool)");
    assert_eq!(tls, all, "every connection of HQ on sslmode=require is TLS");

    // The check tells them apart: the same server, sslmode=disable (HQ keeps the
    // connection it opened the database with), no TLS at all.
    let url = database(&base, "tls_disable", "sslmode=disable");
    let hq = HqProcess::start(&url);
    let (all, tls) = connections(&base, "till_tls_disable");
    drop(hq);
    assert!(all >= 1, "HQ keeps its connections open (pool)");
    assert_eq!(tls, 0, "sslmode=disable connects in clear");
}

#[test]
fn hq_on_postgres_with_verify_full_checks_the_server_against_the_ca_given() {
    let Some((base, ca)) = server() else { return };
    let url = database(&base, "tls_verify_full", &format!("sslmode=verify-full&sslrootcert={ca}"));
    let (all, tls) = sync_round(&base, "tls_verify_full", &url);
    assert!(all >= 1);
    assert_eq!(tls, all, "every connection of HQ on sslmode=verify-full is TLS");

    // A name the certificate is not for (the address is still the server's): verify-full
    // refuses it, verify-ca does not look at names.
    let port = base.rsplit_once(':').unwrap().1.split('/').next().unwrap();
    let elsewhere = format!("postgres://till@pg.till.invalid:{port}/till_tls_verify_full?hostaddr=127.0.0.1");
    let out = hq_admin(&format!("{elsewhere}&sslmode=verify-full&sslrootcert={ca}"), &["report", "sales"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "verify-full accepted a certificate for another name: {said}");
    assert!(
        said.contains(
            "TLS to PostgreSQL failed: invalid peer certificate: certificate not valid for name \"pg.till.invalid\""
        ),
        "{said}"
    );
    assert!(said.contains("issued for the host in the URL"), "the error says what was checked: {said}");
    let out = hq_admin(&format!("{elsewhere}&sslmode=verify-ca&sslrootcert={ca}"), &["report", "sales"]);
    assert!(out.status.success(), "verify-ca: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn verify_full_against_another_ca_is_refused_with_a_clear_error() {
    let Some((base, _)) = server() else { return };
    let work = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other_ca = params.self_signed(&key).unwrap();
    let wrong = work.path().join("other-ca.pem");
    std::fs::write(&wrong, other_ca.pem()).unwrap();

    let db = fresh_pg_database(&base, "tls_wrong_ca");
    // A password in the URL too: the error names the database without it.
    let with_password = db.replacen("postgres://till@", "postgres://till:s3cret-pw@", 1);
    let url = format!("{with_password}?sslmode=verify-full&sslrootcert={}", wrong.display());
    let out = hq_admin(&url, &["report", "sales"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a server certificate from another CA was accepted: {said}");
    assert!(said.contains("TLS to PostgreSQL failed: invalid peer certificate: UnknownIssuer"), "{said}");
    assert!(said.contains(&format!("the CA in sslrootcert '{}'", wrong.display())), "names the CA file: {said}");
    assert!(!said.contains("s3cret-pw") && said.contains("till:***@"), "password hidden: {said}");

    // And an sslmode HQ does not know is refused before any connection, by name.
    let out = hq_admin(&format!("{db}?sslmode=verify_full"), &["report", "sales"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("sslmode 'verify_full' is not one of disable, prefer, require, verify-ca, verify-full"),
        "{said}"
    );
}
