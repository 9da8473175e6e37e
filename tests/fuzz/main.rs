//! Fuzz targets for every parser that takes bytes from outside the register: catalog
//! files, `store.toml`, printer settings, typed cashier input, pickup tokens, webstore
//! order payloads, sync documents and messages, and device frames.
//!
//! Built on proptest, not libFuzzer: the project builds with the stable toolchain only,
//! and cargo-fuzz needs nightly. Each target mixes arbitrary bytes with mutations of a
//! seed corpus (tests/fixtures/fuzz/<target>/) — bytes flipped, inserted, deleted,
//! spliced; fields, lines and JSON nodes replaced — so cases reach past the first check.
//! The property everywhere: no panic, no hang (inputs are bounded), a refusal is a typed
//! error with a message, and where an encoder exists, encode → parse gives back the value.
//!
//! A bounded number of cases per target runs by default (CI's budget);
//! `TILL_FUZZ_CASES=N` (or `PROPTEST_CASES=N`) runs N each and `PROPTEST_RNG_SEED=N`
//! other ones. See docs/fuzzing.md.
#![allow(clippy::unwrap_used, missing_docs)]

mod barcodes;
mod config;
mod corpus;
mod devices;
mod docs;
mod import;
mod intake;
mod token;
mod typed;
