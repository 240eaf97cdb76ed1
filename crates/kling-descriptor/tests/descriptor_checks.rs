//! Each descriptor rule, shown with a broken descriptor: its code and the JSON pointer (the
//! wording of messages may improve; the codes are stable).

use kling_descriptor::load::{self, Loaded};
use kling_descriptor::{Code, Diagnostic, check};
use serde_json::{Value, json};

const REL: &str = "kling/demo/text-to-video.json";

fn valid() -> Value {
    serde_json::from_str(include_str!("fixtures/valid/kling/demo/text-to-video.json")).unwrap()
}

/// Parses and checks a descriptor text placed at `REL`.
fn diagnose_text(text: &str) -> Vec<Diagnostic> {
    match load::parse(REL.as_ref(), text) {
        Ok(d) => check::check_descriptor(REL.as_ref(), Some(REL), &d),
        Err(problems) => problems,
    }
}

fn diagnose(edit: impl FnOnce(&mut Value)) -> Vec<Diagnostic> {
    let mut v = valid();
    edit(&mut v);
    diagnose_text(&v.to_string())
}

/// Asserts that a diagnostic of kind `code` sits at `pointer`.
#[track_caller]
fn assert_has(diags: &[Diagnostic], code: Code, pointer: &str) {
    let found = diags.iter().any(|d| d.code == code && d.pointer == pointer);
    assert!(found, "no {code} at {pointer:?} in:\n{}", render(diags));
}

fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

#[test]
fn the_fixture_is_valid() {
    assert_eq!(render(&diagnose(|_| {})), "");
}

#[test]
fn malformed_json_is_located() {
    let diags = diagnose_text("{\n  \"slug\": \"x\",\n  oops\n}");
    assert_has(&diags, Code::InvalidJson, "");
    // Where the syntax breaks is the one fact a JSON error has to give.
    assert!(
        diags[0].message.contains("line 3, column 3"),
        "{}",
        diags[0]
    );
}

#[test]
fn unknown_type_names_the_field() {
    let diags = diagnose(|v| v["fields"][1]["type"] = json!("strnig"));
    assert_has(&diags, Code::UnknownValue, "/fields/1/type");
    // serde lists the accepted values.
    assert!(
        diags[0].message.contains("`string`, `boolean`"),
        "{}",
        diags[0]
    );
}

#[test]
fn several_structural_problems_are_reported_at_once_with_original_pointers() {
    let diags = diagnose(|v| {
        v["fields"][0]["type"] = json!("text");
        v["fields"][2]["max_lenght"] = json!(3);
        v["pricing"]["factors"][1]["multipliers"]["true"] = json!("1,5");
    });
    assert_has(&diags, Code::UnknownValue, "/fields/0/type");
    assert_has(&diags, Code::UnknownKey, "/fields/2/max_lenght");
    assert_has(
        &diags,
        Code::WrongShape,
        "/pricing/factors/1/multipliers/true",
    );
    assert_eq!(errors(&diags), 3, "{}", render(&diags));
}

#[test]
fn missing_and_unknown_top_level_keys() {
    let diags = diagnose(|v| {
        v.as_object_mut().unwrap().remove("summary");
    });
    assert_has(&diags, Code::MissingKey, "");
    let diags = diagnose(|v| v["colour"] = json!("red"));
    assert_has(&diags, Code::UnknownKey, "/colour");
}

#[test]
fn duplicate_json_keys_are_refused() {
    let text = include_str!("fixtures/valid/kling/demo/text-to-video.json").replace(
        "\"5\": \"5\", \"10\": \"10\"",
        "\"5\": \"5\", \"5\": \"6\", \"10\": \"10\"",
    );
    let diags = diagnose_text(&text);
    assert_has(&diags, Code::WrongShape, "/pricing/factors/0/multipliers");
}

#[test]
fn duplicate_field_names() {
    let diags = diagnose(|v| {
        let copy = v["fields"][1].clone();
        v["fields"].as_array_mut().unwrap().push(copy);
    });
    assert_has(&diags, Code::DuplicateField, "/fields/3/name");
}

#[test]
fn factor_on_a_missing_field() {
    let diags = diagnose(|v| v["pricing"]["factors"][0]["field"] = json!("length"));
    assert_has(&diags, Code::FactorUnknownField, "/pricing/factors/0/field");
    let hint = diags
        .iter()
        .find(|d| d.pointer == "/pricing/factors/0/field")
        .unwrap()
        .hint
        .clone()
        .unwrap();
    assert!(hint.contains("prompt, duration, has_sound"), "{hint}");
}

#[test]
fn multiplier_options_must_equal_the_field_options() {
    let diags = diagnose(|v| {
        let m = v["pricing"]["factors"][0]["multipliers"]
            .as_object_mut()
            .unwrap();
        m.remove("10");
        m.insert("15".into(), json!("15"));
    });
    assert_has(
        &diags,
        Code::MissingMultiplier,
        "/pricing/factors/0/multipliers",
    );
    assert_has(
        &diags,
        Code::ExtraMultiplier,
        "/pricing/factors/0/multipliers/15",
    );
}

#[test]
fn default_outside_options_and_of_the_wrong_type() {
    let diags = diagnose(|v| v["fields"][1]["default"] = json!("7"));
    assert_has(&diags, Code::DefaultNotAnOption, "/fields/1/default");
    let diags = diagnose(|v| v["fields"][1]["default"] = json!(5));
    assert_has(&diags, Code::DefaultWrongType, "/fields/1/default");
}

#[test]
fn options_must_fit_the_value_type() {
    let diags = diagnose(|v| v["fields"][2]["options"] = json!(["false", "yes"]));
    assert_has(&diags, Code::BadOption, "/fields/2/options/1");
    let diags = diagnose(|v| v["fields"][1]["options"] = json!(["5", "ten"]));
    assert_has(&diags, Code::BadOption, "/fields/1/options/1");
}

#[test]
fn slug_and_schema_must_match_the_path() {
    let diags = diagnose(|v| v["slug"] = json!("kling/demo/image-to-video"));
    assert_has(&diags, Code::SlugPathMismatch, "/slug");
    let diags = diagnose(|v| v["slug"] = json!("Kling Demo"));
    assert_has(&diags, Code::BadSlug, "/slug");
    let diags = diagnose(|v| v["$schema"] = json!("../descriptor.schema.json"));
    assert_has(&diags, Code::WrongSchemaPath, "/$schema");
}

#[test]
fn rust_name_collisions() {
    let diags = diagnose(|v| {
        v["fields"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "hasSound", "description": "x", "type": "boolean"}));
    });
    assert_has(&diags, Code::NameCollision, "/fields/3/name");

    let diags = diagnose(|v| {
        v["fields"].as_array_mut().unwrap().push(json!({"name": "ratio", "description": "x", "type": "string", "options": ["16:9", "16-9"]}));
    });
    assert_has(&diags, Code::NameCollision, "/fields/3/options/1");

    let diags = diagnose(|v| {
        let fields = v["fields"].as_array_mut().unwrap();
        fields.push(json!({"name": "shots", "description": "x", "type": "array",
            "items": {"type": "object", "fields": [{"name": "prompt", "description": "x", "type": "string"}]}}));
        fields.push(
            json!({"name": "shots_item", "description": "x", "type": "string", "options": ["a"]}),
        );
        fields
            .push(json!({"name": "input", "description": "x", "type": "string", "options": ["a"]}));
    });
    assert_has(&diags, Code::NameCollision, "/fields/4");
    assert_has(&diags, Code::NameCollision, "/fields/5");

    let diags = diagnose(|v| v["fields"][0]["rust_name"] = json!("Prompt Text"));
    assert_has(&diags, Code::BadRustName, "/fields/0/rust_name");

    // A `rust_name` resolves a collision.
    let diags = diagnose(|v| {
        v["fields"].as_array_mut().unwrap().push(json!({"name": "hasSound", "rust_name": "has_sound_flag", "description": "x", "type": "boolean"}));
    });
    assert_eq!(render(&diags), "");
}

#[test]
fn non_integral_and_overflowing_prices() {
    let diags = diagnose(|v| {
        v["pricing"]["base_micro_cents"] = json!(1);
        v["pricing"]["documented"]["micro_cents"] = json!(8);
    });
    assert_has(&diags, Code::InexactPrice, "/pricing/factors");

    let diags = diagnose(|v| v["pricing"]["base_micro_cents"] = json!(u64::MAX / 4));
    assert_has(&diags, Code::PriceOverflow, "/pricing/base_micro_cents");
}

#[test]
fn the_documented_cost_is_recomputed() {
    let diags = diagnose(|v| v["pricing"]["documented"]["micro_cents"] = json!(7000));
    assert_has(
        &diags,
        Code::DocumentedCostMismatch,
        "/pricing/documented/micro_cents",
    );

    let diags = diagnose(|v| {
        v["fields"][1].as_object_mut().unwrap().remove("default");
    });
    assert_has(
        &diags,
        Code::DocumentedCostUndefined,
        "/pricing/documented/assumes",
    );
    assert_has(
        &diags,
        Code::FactorWithoutDefault,
        "/pricing/factors/0/field",
    );
}

#[test]
fn a_documented_cost_assuming_a_non_default_option_is_a_recorded_warning() {
    let assumes_no_sound = |v: &mut Value| {
        v["pricing"]["documented"] =
            json!({"micro_cents": 5000, "assumes": {"has_sound": "false"}});
    };
    let diags = diagnose(assumes_no_sound);
    assert_has(
        &diags,
        Code::PublishedInconsistency,
        "/pricing/documented/assumes/has_sound",
    );
    assert_has(&diags, Code::UnrecordedInconsistency, "/notes");

    let diags = diagnose(|v| {
        assumes_no_sound(v);
        v["notes"] = json!([{"topic": "pricing", "text": "The example is priced without sound."}]);
    });
    assert_eq!(errors(&diags), 0, "{}", render(&diags));
    assert_eq!(diags.len(), 1);
}

#[test]
fn flat_prices() {
    let flat_per_second = |v: &mut Value| {
        v["pricing"] = json!({
            "base_micro_cents": 30000, "base_unit_stated": "per second", "formula": "finalCost = baseCost",
            "flat": true, "documented": {"micro_cents": 30000}
        });
    };
    let diags = diagnose(flat_per_second);
    assert_has(
        &diags,
        Code::PublishedInconsistency,
        "/pricing/base_unit_stated",
    );
    assert_has(&diags, Code::UnrecordedInconsistency, "/notes");

    let diags = diagnose(|v| {
        flat_per_second(v);
        v["pricing"]["factors"] = valid()["pricing"]["factors"].clone();
    });
    assert_has(&diags, Code::FlatWithFactors, "/pricing/factors");

    let diags = diagnose(|v| {
        v["pricing"].as_object_mut().unwrap().remove("factors");
    });
    assert_has(&diags, Code::NoFactors, "/pricing");
}

#[test]
fn pricing_parameters_price_values_that_are_not_sent() {
    let diags = diagnose(|v| {
        v["fields"].as_array_mut().unwrap().remove(1);
        v["pricing"]["parameters"] = json!([{"name": "duration", "description": "x", "options": ["5", "10"], "default": "5"}]);
    });
    assert_eq!(render(&diags), "");
    let diags = diagnose(|v| {
        v["pricing"]["parameters"] = json!([{"name": "duration", "description": "x", "options": ["5", "10"], "default": "7"}]);
    });
    assert_has(&diags, Code::ParameterIsField, "/pricing/parameters/0/name");
    assert_has(
        &diags,
        Code::DefaultNotAnOption,
        "/pricing/parameters/0/default",
    );
}

#[test]
fn keys_that_do_not_apply_to_the_field() {
    let diags = diagnose(|v| {
        v["fields"][0]["max_items"] = json!(3);
        v["fields"][0]["minimum"] = json!(1);
    });
    assert_has(&diags, Code::KeyNotApplicable, "/fields/0/max_items");
    assert_has(&diags, Code::KeyNotApplicable, "/fields/0/minimum");
    let diags = diagnose(|v| {
        v["fields"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "images", "description": "x", "type": "array"}));
    });
    assert_has(&diags, Code::MissingItems, "/fields/3");
    // Allowed by the wire type, but options leave them nothing to mean.
    let diags = diagnose(|v| {
        v["fields"][1]["max_length"] = json!(3);
        v["fields"][1]["format"] = json!("url");
    });
    assert_has(&diags, Code::KeyNotApplicable, "/fields/1/max_length");
    assert_has(&diags, Code::KeyNotApplicable, "/fields/1/format");
    assert_eq!(errors(&diags), 2, "{}", render(&diags));
}

#[test]
fn rules_must_name_existing_fields() {
    let diags = diagnose(|v| {
        v["rules"] = json!([
            {"rule": "max_items_when_present", "array": "images", "when_present": "video_url", "max_items": 4},
            {"rule": "item_sum_at_most", "array": "prompt", "item_field": "duration", "limit_field": "prompt"}
        ]);
    });
    assert_has(&diags, Code::RuleUnknownField, "/rules/0/array");
    assert_has(&diags, Code::RuleUnknownField, "/rules/0/when_present");
    assert_has(&diags, Code::RuleWrongField, "/rules/1/array");
    assert_has(&diags, Code::RuleWrongField, "/rules/1/limit_field");
}

#[test]
fn the_catalog_refuses_duplicate_slugs_and_colliding_modules() {
    let loaded = |rel: &str, slug: &str| {
        let mut v = valid();
        v["slug"] = json!(slug);
        Loaded {
            relative_path: rel.into(),
            file: rel.into(),
            descriptor: serde_json::from_value(v).unwrap(),
        }
    };
    let diags = check::check_catalog(&[
        loaded("kling/demo/text-to-video.json", "kling/demo/text-to-video"),
        loaded("kling/demo/text-to-video.json", "kling/demo/text-to-video"),
        loaded("kling/demo/text.to.video.json", "kling/demo/text.to.video"),
    ]);
    assert_has(&diags, Code::DuplicateSlug, "/slug");
    assert_has(&diags, Code::NameCollision, "/slug");

    let diags = check::check_catalog(&[
        loaded(
            "kling/demo-2.1/text-to-video.json",
            "kling/demo-2.1/text-to-video",
        ),
        loaded(
            "kling/demo-21/text-to-video.json",
            "kling/demo-21/text-to-video",
        ),
    ]);
    assert_has(&diags, Code::NameCollision, "/slug");
}

#[test]
fn diagnostics_render_with_file_pointer_and_hint() {
    let diags = diagnose(|v| v["fields"][1]["default"] = json!("7"));
    assert_eq!(
        diags[0].to_string(),
        "error[E034 default-not-an-option]: kling/demo/text-to-video.json#/fields/1/default: default `7` is not one of the options of `duration` (5, 10)\n  hint: use one of the options, or correct the options"
    );
}

#[test]
fn load_dir_reports_broken_files_and_keeps_the_rest() {
    let dir = std::env::temp_dir().join(format!("kling-descriptor-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("kling/demo")).unwrap();
    std::fs::write(
        dir.join("kling/demo/text-to-video.json"),
        valid().to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("kling/demo/broken.json"), "{").unwrap();
    std::fs::write(dir.join(load::META_SCHEMA_FILE), "{}").unwrap();
    let catalog = load::load_dir(&dir);
    assert_eq!(catalog.descriptors.len(), 1);
    assert_eq!(
        catalog.descriptors[0].relative_path,
        "kling/demo/text-to-video.json"
    );
    assert_eq!(catalog.diagnostics.len(), 1);
    assert!(
        catalog.diagnostics[0]
            .file
            .ends_with("kling/demo/broken.json")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
