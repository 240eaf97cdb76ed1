//! One insta snapshot per model of its formatted generated code.
//!
//! Review intended changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test -p
//! kling-workspace-tests --test expand` and read the diff).

use kling_workspace_tests::catalog;

#[test]
fn every_model_expansion_is_snapshotted() {
    let catalog = catalog();
    for loaded in &catalog {
        let tokens = kling_codegen::model_module(loaded, &kling_codegen::Options::default())
            .unwrap_or_else(|e| panic!("{}: {e:?}", loaded.descriptor.slug));
        let text = kling_codegen::pretty(tokens).expect("the generated code parses");
        let name = loaded.descriptor.slug.replace('/', "__");
        insta::with_settings!({ snapshot_path => "snapshots/models", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, text);
        });
    }
    assert_eq!(catalog.len(), 66);
}
