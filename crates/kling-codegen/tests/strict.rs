//! The generator refuses what it cannot express, with the descriptor's file and JSON pointer,
//! even where the checks would refuse it first: no placeholder, no omission, no default standing
//! in for a value it could not read.

use kling_descriptor::load::Loaded;
use kling_descriptor::{Code, check};
use serde_json::{Value, json};

const REL: &str = "kling/demo/reference-to-video.json";

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/reference-to-video.json")).unwrap()
}

fn loaded(v: Value) -> Loaded {
    Loaded {
        relative_path: REL.into(),
        file: REL.into(),
        descriptor: serde_json::from_value(v).unwrap(),
    }
}

/// The generator's errors for the fixture after `edit`, as (code, pointer).
fn refused(edit: impl FnOnce(&mut Value)) -> Vec<(Code, String)> {
    let mut v = fixture();
    edit(&mut v);
    let loaded = loaded(v);
    let errors = kling_codegen::model_module(&loaded, &kling_codegen::Options::default())
        .expect_err("the generator refuses it");
    for e in &errors {
        assert_eq!(e.file, std::path::Path::new(REL), "{e}");
    }
    errors.into_iter().map(|e| (e.code, e.pointer)).collect()
}

#[track_caller]
fn assert_refused(edit: impl FnOnce(&mut Value), code: Code, pointer: &str) {
    let errors = refused(edit);
    assert!(
        errors.iter().any(|(c, p)| *c == code && p == pointer),
        "no {code} at {pointer}: {errors:?}"
    );
}

#[test]
fn the_fixture_generates() {
    let loaded = loaded(fixture());
    assert!(check::check_loaded(&loaded).is_empty());
    assert!(kling_codegen::model_module(&loaded, &kling_codegen::Options::default()).is_ok());
}

#[test]
fn a_field_without_a_shape_is_refused() {
    assert_refused(
        |v| {
            v["fields"][2].as_object_mut().unwrap().remove("items");
        },
        Code::MissingItems,
        "/fields/2",
    );
    assert_refused(
        |v| v["fields"][8]["items"]["fields"] = json!([]),
        Code::NoMembers,
        "/fields/8/items",
    );
    assert_refused(
        |v| v["fields"][0]["minimum"] = json!(1),
        Code::KeyNotApplicable,
        "/fields/0/minimum",
    );
}

#[test]
fn an_option_that_is_not_a_number_is_refused_not_read_as_zero() {
    assert_refused(
        |v| v["fields"][3]["options"] = json!(["3", "four", "5"]),
        Code::BadOption,
        "/fields/3/options/1",
    );
}

#[test]
fn a_default_outside_the_options_is_refused() {
    assert_refused(
        |v| v["fields"][3]["default"] = json!("7"),
        Code::DefaultNotAnOption,
        "/fields/3/default",
    );
}

#[test]
fn a_factor_the_generator_cannot_price_is_refused() {
    // An option without a multiplier: no placeholder variant, no missing arm.
    assert_refused(
        |v| {
            let m = v["pricing"]["factors"][0]["multipliers"]
                .as_object_mut()
                .unwrap();
            m.remove("4");
        },
        Code::MissingMultiplier,
        "/pricing/factors/0/multipliers",
    );
    assert_refused(
        |v| v["pricing"]["factors"][0]["field"] = json!("length"),
        Code::FactorUnknownField,
        "/pricing/factors/0/field",
    );
    assert_refused(
        |v| {
            v["fields"][3].as_object_mut().unwrap().remove("default");
        },
        Code::FactorWithoutDefault,
        "/pricing/factors/0/field",
    );
    assert_refused(
        |v| v["pricing"]["factors"][1]["field"] = json!("seed"),
        Code::FactorWithoutOptions,
        "/pricing/factors/1/field",
    );
}

#[test]
fn a_rule_the_generator_cannot_express_is_refused() {
    assert_refused(
        |v| v["rules"][0]["array"] = json!("pictures"),
        Code::RuleUnknownField,
        "/rules/0/array",
    );
    assert_refused(
        |v| v["rules"][1]["item_field"] = json!("prompt"),
        Code::RuleWrongField,
        "/rules/1/item_field",
    );
    assert_refused(
        |v| v["rules"][1]["item_field"] = json!("length"),
        Code::RuleUnknownField,
        "/rules/1/item_field",
    );
}

#[test]
fn a_slug_that_gives_no_module_is_refused() {
    assert_refused(|v| v["slug"] = json!("kling/demo"), Code::BadSlug, "/slug");
}

#[test]
fn a_bound_json_cannot_write_is_refused() {
    let mut loaded = loaded(fixture());
    loaded.descriptor.fields[6].maximum = Some(f64::INFINITY);
    let errors = kling_codegen::model_module(&loaded, &kling_codegen::Options::default())
        .expect_err("refused");
    assert_eq!(errors[0].code, Code::WrongShape);
    assert_eq!(errors[0].pointer, "/fields/6/maximum");
}
