//! trybuild: descriptors the checks refuse and misuses of the generated API fail to compile with
//! pinned messages; the whole catalog and a brand-new model compile and run.
//!
//! After an intended change to a message: `TRYBUILD=overwrite cargo test -p kling-workspace-tests --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
