//! Each descriptor rule, shown with a broken descriptor: the message and the JSON pointer.

use kling_descriptor::load::{self, Loaded};
use kling_descriptor::{Diagnostic, Severity, check};
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

/// Asserts that a diagnostic of `severity` sits at `pointer` and its message contains `needle`.
#[track_caller]
fn assert_has(diags: &[Diagnostic], severity: Severity, pointer: &str, needle: &str) {
    let found = diags
        .iter()
        .any(|d| d.severity == severity && d.pointer == pointer && d.message.contains(needle));
    assert!(
        found,
        "no {severity:?} at {pointer:?} containing {needle:?} in:\n{}",
        render(diags)
    );
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
    assert_has(
        &diags,
        Severity::Error,
        "",
        "invalid JSON at line 3, column 3",
    );
    assert!(diags[0].hint.as_deref().unwrap().contains("syntax"));
}

#[test]
fn unknown_type_names_the_field() {
    let diags = diagnose(|v| v["fields"][1]["type"] = json!("strnig"));
    assert_has(
        &diags,
        Severity::Error,
        "/fields/1/type",
        "unknown variant `strnig`",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/fields/1/type",
        "expected one of `string`, `boolean`",
    );
}

#[test]
fn several_structural_problems_are_reported_at_once_with_original_pointers() {
    let diags = diagnose(|v| {
        v["fields"][0]["type"] = json!("text");
        v["fields"][2]["max_lenght"] = json!(3);
        v["pricing"]["factors"][1]["multipliers"]["true"] = json!("1,5");
    });
    assert_has(
        &diags,
        Severity::Error,
        "/fields/0/type",
        "unknown variant `text`",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/fields/2/max_lenght",
        "unknown field `max_lenght`",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors/1/multipliers/true",
        "`1,5` is not a valid amount",
    );
    assert_eq!(errors(&diags), 3, "{}", render(&diags));
}

#[test]
fn missing_and_unknown_top_level_keys() {
    let diags = diagnose(|v| {
        v.as_object_mut().unwrap().remove("summary");
    });
    assert_has(&diags, Severity::Error, "", "missing field `summary`");
    let diags = diagnose(|v| v["colour"] = json!("red"));
    assert_has(
        &diags,
        Severity::Error,
        "/colour",
        "unknown field `colour`, expected one of `$schema`",
    );
}

#[test]
fn duplicate_json_keys_are_refused() {
    let text = include_str!("fixtures/valid/kling/demo/text-to-video.json").replace(
        "\"5\": \"5\", \"10\": \"10\"",
        "\"5\": \"5\", \"5\": \"6\", \"10\": \"10\"",
    );
    let diags = diagnose_text(&text);
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors/0/multipliers",
        "option `5` is listed twice",
    );
}

#[test]
fn duplicate_field_names() {
    let diags = diagnose(|v| {
        let copy = v["fields"][1].clone();
        v["fields"].as_array_mut().unwrap().push(copy);
    });
    assert_has(
        &diags,
        Severity::Error,
        "/fields/3/name",
        "duplicate field `duration` (first defined at /fields/1)",
    );
}

#[test]
fn factor_on_a_missing_field() {
    let diags = diagnose(|v| v["pricing"]["factors"][0]["field"] = json!("length"));
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors/0/field",
        "factor on missing field `length`",
    );
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
        Severity::Error,
        "/pricing/factors/0/multipliers",
        "no multiplier for option(s) 10 of `duration`",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors/0/multipliers/15",
        "`15` is not an option of `duration` (5, 10)",
    );
}

#[test]
fn default_outside_options_and_of_the_wrong_type() {
    let diags = diagnose(|v| v["fields"][1]["default"] = json!("7"));
    assert_has(
        &diags,
        Severity::Error,
        "/fields/1/default",
        "default `7` is not one of the options of `duration` (5, 10)",
    );
    let diags = diagnose(|v| v["fields"][1]["default"] = json!(5));
    assert_has(
        &diags,
        Severity::Error,
        "/fields/1/default",
        "default 5 is not a string",
    );
}

#[test]
fn options_must_fit_the_value_type() {
    let diags = diagnose(|v| v["fields"][2]["options"] = json!(["false", "yes"]));
    assert_has(
        &diags,
        Severity::Error,
        "/fields/2/options/1",
        "is neither `true` nor `false`",
    );
    let diags = diagnose(|v| v["fields"][1]["options"] = json!(["5", "ten"]));
    assert_has(
        &diags,
        Severity::Error,
        "/fields/1/options/1",
        "is not a whole number",
    );
}

#[test]
fn slug_and_schema_must_match_the_path() {
    let diags = diagnose(|v| v["slug"] = json!("kling/demo/image-to-video"));
    assert_has(
        &diags,
        Severity::Error,
        "/slug",
        "does not match the file path `kling/demo/text-to-video.json`",
    );
    let diags = diagnose(|v| v["slug"] = json!("Kling Demo"));
    assert_has(
        &diags,
        Severity::Error,
        "/slug",
        "is not of the form provider/model/capability",
    );
    let diags = diagnose(|v| v["$schema"] = json!("../descriptor.schema.json"));
    assert_has(
        &diags,
        Severity::Error,
        "/$schema",
        "`$schema` is `../descriptor.schema.json`",
    );
}

#[test]
fn rust_name_collisions() {
    let diags = diagnose(|v| {
        v["fields"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "hasSound", "description": "x", "type": "boolean"}));
    });
    assert_has(
        &diags,
        Severity::Error,
        "/fields/3/name",
        "fields `has_sound` and `hasSound` both become the Rust name `has_sound`",
    );

    let diags = diagnose(|v| {
        v["fields"].as_array_mut().unwrap().push(json!({"name": "ratio", "description": "x", "type": "string", "options": ["16:9", "16-9"]}));
    });
    assert_has(
        &diags,
        Severity::Error,
        "/fields/3/options/1",
        "options `16:9` and `16-9` both become the Rust variant `Ratio16_9`",
    );

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
    assert_has(
        &diags,
        Severity::Error,
        "/fields/4",
        "the generated type `ShotsItem` is also generated for /fields/3/items",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/fields/5",
        "the generated type `Input` would clash",
    );

    let diags = diagnose(|v| v["fields"][0]["rust_name"] = json!("Prompt Text"));
    assert_has(
        &diags,
        Severity::Error,
        "/fields/0/rust_name",
        "is not a snake_case Rust name",
    );

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
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors",
        "1 option combination(s) give a price that is not a whole number of micro-cents, e.g. 1 × 5 (duration=5) × 1.5 (has_sound=true) = 8 micro-cents",
    );

    let diags = diagnose(|v| v["pricing"]["base_micro_cents"] = json!(u64::MAX / 4));
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/base_micro_cents",
        "the price overflows 64-bit micro-cents for duration=5, has_sound=false",
    );
}

#[test]
fn the_documented_cost_is_recomputed() {
    let diags = diagnose(|v| v["pricing"]["documented"]["micro_cents"] = json!(7000));
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/documented/micro_cents",
        "the page documents 7000 micro-cents, but the descriptor computes 1,000 × 5 (duration=5) × 1.5 (has_sound=true) = 7,500 micro-cents ($0.0075)",
    );

    let diags = diagnose(|v| {
        v["fields"][1].as_object_mut().unwrap().remove("default");
    });
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/documented/assumes",
        "the documented cost cannot be recomputed: `duration` has no default",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors/0/field",
        "`duration` decides the price but is optional and has no default",
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
        Severity::Warning,
        "/pricing/documented/assumes/has_sound",
        "assumes has_sound=false, but `has_sound` defaults to true",
    );
    assert_has(&diags, Severity::Error, "/notes", "is not recorded");

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
        Severity::Warning,
        "/pricing/base_unit_stated",
        "states the base price per second, but its formula is flat",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/notes",
        "the published inconsistency at /pricing/base_unit_stated is not recorded",
    );

    let diags = diagnose(|v| {
        flat_per_second(v);
        v["pricing"]["factors"] = valid()["pricing"]["factors"].clone();
    });
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/factors",
        "a flat price cannot have factors",
    );

    let diags = diagnose(|v| {
        v["pricing"].as_object_mut().unwrap().remove("factors");
    });
    assert_has(
        &diags,
        Severity::Error,
        "/pricing",
        "the price has no factors",
    );
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
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/parameters/0/name",
        "has the name of an input field",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/pricing/parameters/0/default",
        "default `7` is not one of the options",
    );
}

#[test]
fn keys_that_do_not_apply_to_the_wire_type() {
    let diags = diagnose(|v| {
        v["fields"][0]["max_items"] = json!(3);
        v["fields"][0]["minimum"] = json!(1);
    });
    assert_has(
        &diags,
        Severity::Error,
        "/fields/0/max_items",
        "`max_items` does not apply to a field of type string",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/fields/0/minimum",
        "`minimum` does not apply to a field of type string",
    );
    let diags = diagnose(|v| {
        v["fields"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "images", "description": "x", "type": "array"}));
    });
    assert_has(
        &diags,
        Severity::Error,
        "/fields/3",
        "array field `images` does not say what its items are",
    );
}

#[test]
fn rules_must_name_existing_fields() {
    let diags = diagnose(|v| {
        v["rules"] = json!([
            {"rule": "max_items_when_present", "array": "images", "when_present": "video_url", "max_items": 4},
            {"rule": "item_sum_at_most", "array": "prompt", "item_field": "duration", "limit_field": "prompt"}
        ]);
    });
    assert_has(
        &diags,
        Severity::Error,
        "/rules/0/array",
        "rule on missing field `images`",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/rules/0/when_present",
        "rule on missing field `video_url`",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/rules/1/array",
        "`prompt` is not an array of objects",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/rules/1/limit_field",
        "`prompt` is not numeric",
    );
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
    assert_has(
        &diags,
        Severity::Error,
        "/slug",
        "slug `kling/demo/text-to-video` is already used by kling/demo/text-to-video.json",
    );
    assert_has(
        &diags,
        Severity::Error,
        "/slug",
        "both become the Rust module `kling::demo::text_to_video`",
    );

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
    assert_has(
        &diags,
        Severity::Error,
        "/slug",
        "both become the model id `KlingDemo21TextToVideo`",
    );
}

#[test]
fn diagnostics_render_with_file_pointer_and_hint() {
    let diags = diagnose(|v| v["fields"][1]["default"] = json!("7"));
    assert_eq!(
        diags[0].to_string(),
        "error: kling/demo/text-to-video.json#/fields/1/default: default `7` is not one of the options of `duration` (5, 10)\n  hint: use one of the options, or correct the options"
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
