//! Any timestamp, signature and body: verified or refused, never a panic.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (ts, sig, body) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let verifier = kling::webhook::Verifier::new("whsec_fuzz");
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let _ = verifier.verify_at(ts, sig, body.as_bytes(), now);
    // A correctly signed body must verify.
    let good = kling::webhook::sign("whsec_fuzz", 1_700_000_000, body.as_bytes());
    assert!(verifier.verify_at("1700000000", &good, body.as_bytes(), now).is_ok());
});
