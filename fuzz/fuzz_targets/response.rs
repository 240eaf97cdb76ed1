//! Any server answer, in either envelope or none: decoded or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&status, rest)) = data.split_first() else { return };
    let raw = String::from_utf8_lossy(rest);
    let status = [200u16, 202, 400, 401, 402, 403, 404, 429, 500, 502, 503][usize::from(status) % 11];
    let _ = kling::client::decode_for_fuzzing(status, &raw);
    let _ = kling::webhook::parse_event(rest);
});
