//! Dynamic validation and pricing of wire-format inputs: every violation, each with its path.

use std::collections::BTreeMap;

use kling_descriptor::input::{
    ViolationCode as Code, quote_input, quote_input_with, validate_input,
};
use kling_descriptor::{Descriptor, check, load};
use serde_json::{Value, json};

fn descriptor() -> Descriptor {
    let rel = "kling/demo/reference-to-video.json";
    let d = load::parse(
        rel.as_ref(),
        include_str!("fixtures/valid/kling/demo/reference-to-video.json"),
    )
    .unwrap();
    assert!(check::check_descriptor(rel.as_ref(), Some(rel), &d).is_empty());
    d
}

fn violations(input: Value) -> Vec<(String, Code)> {
    validate_input(&descriptor(), &input)
        .into_iter()
        .map(|v| (v.path, v.code))
        .collect()
}

fn one(input: Value) -> (String, Code, String) {
    let mut all = validate_input(&descriptor(), &input);
    assert_eq!(all.len(), 1, "{all:?}");
    let v = all.remove(0);
    (v.path, v.code, v.message)
}

#[test]
fn a_valid_input_passes_and_prices_with_defaults() {
    let input = json!({
        "prompt": "a red kite",
        "video_url": "https://example.com/clip.mp4",
        "images": ["https://example.com/a.png"],
        "has_sound": "true",
        "keep_original_sound": false,
        "cfg_scale": 1,
        "seed": 42,
        "multishot": [{"prompt": "take off", "duration": "2"}, {"prompt": "land"}]
    });
    assert_eq!(violations(input.clone()), []);
    let quote = quote_input(&descriptor(), &input).unwrap();
    assert_eq!(quote.total.get(), 84_000 * 5 * 3 / 2);
    assert_eq!(
        quote.to_string(),
        "84,000 × 5 (duration=5) × 1.5 (has_sound=true) = 630,000 micro-cents ($0.63)"
    );
}

#[test]
fn wrong_options() {
    let (path, code, message) = one(json!({"prompt": "x", "duration": "7"}));
    assert_eq!((path.as_str(), code), ("/duration", Code::NotAnOption));
    assert_eq!(message, "`7` is not one of 3, 4, 5");
    assert_eq!(
        violations(json!({"prompt": "x", "has_sound": "yes"})),
        [("/has_sound".into(), Code::NotAnOption)]
    );
}

#[test]
fn wrong_wire_types_explain_the_expected_encoding() {
    let (path, code, message) = one(json!({"prompt": "x", "duration": 5}));
    assert_eq!((path.as_str(), code), ("/duration", Code::WrongType));
    assert_eq!(
        message,
        "expected a string, got the number 5 (this API sends it as text: \"5\")"
    );
    let (_, _, message) = one(json!({"prompt": "x", "keep_original_sound": "true"}));
    assert_eq!(
        message,
        "expected a boolean, got the string \"true\" (send a JSON boolean: true)"
    );
    let (path, code, message) = one(json!({"prompt": "x", "cfg_scale": "0.5"}));
    assert_eq!((path.as_str(), code), ("/cfg_scale", Code::WrongType));
    assert!(message.ends_with("(send a JSON number: 0.5)"), "{message}");
    assert_eq!(
        violations(json!({"prompt": "x", "images": "https://example.com/a.png"})),
        [("/images".into(), Code::WrongType)]
    );
    assert_eq!(
        violations(json!({"prompt": null})),
        [("/prompt".into(), Code::WrongType)]
    );
}

#[test]
fn too_long_strings_count_characters() {
    assert_eq!(violations(json!({"prompt": "ééééééééééééééééééé"})), []);
    let (path, code, message) = one(json!({"prompt": "a prompt that is too long"}));
    assert_eq!(
        (path.as_str(), code, message.as_str()),
        (
            "/prompt",
            Code::TooLong,
            "25 characters, at most 20 allowed"
        )
    );
}

#[test]
fn too_many_items_and_the_cross_field_limit() {
    let image = json!("https://example.com/a.png");
    let eight = Value::Array(vec![image.clone(); 8]);
    let (path, code, message) = one(json!({"prompt": "x", "images": eight}));
    assert_eq!(
        (path.as_str(), code, message.as_str()),
        ("/images", Code::TooManyItems, "at most 7 items, got 8")
    );

    let five = Value::Array(vec![image; 5]);
    assert_eq!(
        violations(json!({"prompt": "x", "images": five.clone()})),
        []
    );
    let (path, code, message) =
        one(json!({"prompt": "x", "images": five, "video_url": "https://example.com/v.mp4"}));
    assert_eq!((path.as_str(), code), ("/images", Code::RuleViolated));
    assert_eq!(message, "at most 4 items when `video_url` is given, got 5");
}

#[test]
fn missing_required_and_unknown_fields() {
    let (path, code, message) = one(json!({}));
    assert_eq!(
        (path.as_str(), code, message.as_str()),
        ("/prompt", Code::MissingField, "`prompt` is required")
    );
    let (path, code, message) = one(json!({"prompt": "x", "negative_prompt": "y"}));
    assert_eq!(
        (path.as_str(), code),
        ("/negative_prompt", Code::UnknownField)
    );
    assert!(
        message.starts_with("unknown field `negative_prompt`; accepted: prompt, video_url, images"),
        "{message}"
    );
    assert_eq!(
        violations(json!(["prompt"])),
        [(String::new(), Code::NotAnObject)]
    );
}

#[test]
fn items_are_checked_with_their_own_paths() {
    let input = json!({
        "prompt": "x",
        "images": ["https://example.com/a.png", "ftp://example.com/b.png", 3],
        "multishot": [{"duration": "9"}, {"prompt": "ok", "camera": "pan"}, "shot"]
    });
    assert_eq!(
        violations(input),
        [
            ("/images/1".into(), Code::InvalidUrl),
            ("/images/2".into(), Code::WrongType),
            ("/multishot/0/prompt".into(), Code::MissingField),
            ("/multishot/0/duration".into(), Code::NotAnOption),
            ("/multishot/1/camera".into(), Code::UnknownField),
            ("/multishot/2".into(), Code::NotAnObject),
        ]
    );
}

#[test]
fn shot_lengths_may_not_exceed_the_duration() {
    let shots = json!([{"prompt": "a", "duration": "3"}, {"prompt": "b", "duration": "3"}]);
    let (path, code, message) = one(json!({"prompt": "x", "multishot": shots.clone()}));
    assert_eq!((path.as_str(), code), ("/multishot", Code::RuleViolated));
    assert_eq!(
        message,
        "the `duration` values add up to 6, more than `duration` (5)"
    );
    let (_, _, message) = one(json!({"prompt": "x", "duration": "4", "multishot": shots}));
    assert!(message.ends_with("(4)"), "{message}");
}

#[test]
fn numbers_are_checked_for_range_and_wholeness() {
    let (path, code, message) = one(json!({"prompt": "x", "cfg_scale": 1.5}));
    assert_eq!(
        (path.as_str(), code, message.as_str()),
        ("/cfg_scale", Code::OutOfRange, "1.5 is not between 0 and 1")
    );
    assert_eq!(
        violations(json!({"prompt": "x", "seed": 1.5})),
        [("/seed".into(), Code::NotAnInteger)]
    );
    assert_eq!(
        violations(json!({"prompt": "x", "cfg_scale": -0.1})),
        [("/cfg_scale".into(), Code::OutOfRange)]
    );
}

#[test]
fn urls_must_be_absolute_http() {
    for bad in [
        "not a url",
        "example.com/v.mp4",
        "file:///etc/passwd",
        "data:video/mp4;base64,AAAA",
    ] {
        assert_eq!(
            violations(json!({"prompt": "x", "video_url": bad})),
            [("/video_url".into(), Code::InvalidUrl)],
            "{bad}"
        );
    }
    assert_eq!(
        violations(json!({"prompt": "x", "video_url": "http://127.0.0.1:8080/v.mp4"})),
        []
    );
}

#[test]
fn every_violation_is_reported_at_once() {
    let input = json!({
        "duration": 3,
        "has_sound": true,
        "cfg_scale": 2,
        "images": [1, 2],
        "colour": "red"
    });
    let paths: Vec<String> = violations(input).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "/colour",
            "/prompt",
            "/images/0",
            "/images/1",
            "/duration",
            "/has_sound",
            "/cfg_scale"
        ]
    );
}

#[test]
fn quoting_refuses_invalid_inputs_and_unknown_parameters() {
    let d = descriptor();
    let problems = quote_input(&d, &json!({"duration": "9"})).unwrap_err();
    assert_eq!(problems.len(), 2);
    let params = BTreeMap::from([("length".to_string(), "5".to_string())]);
    let problems = quote_input_with(&d, &json!({"prompt": "x"}), &params).unwrap_err();
    assert_eq!(
        problems[0].message,
        "`length` is not a pricing parameter of kling/demo/reference-to-video"
    );
}

#[test]
fn pricing_parameters_are_used_when_quoting() {
    let mut d = descriptor();
    // Turn `duration` into a value that is not sent, as for the motion-transfer model.
    d.fields.retain(|f| f.name != "duration");
    d.rules.clear();
    d.pricing.parameters = vec![kling_descriptor::model::PricingParameter {
        name: "duration".into(),
        description: "assumed length".into(),
        options: vec!["3".into(), "4".into(), "5".into()],
        default: "5".into(),
    }];
    let input = json!({"prompt": "x"});
    assert_eq!(quote_input(&d, &input).unwrap().total.get(), 420_000);
    let params = BTreeMap::from([("duration".to_string(), "3".to_string())]);
    assert_eq!(
        quote_input_with(&d, &input, &params).unwrap().total.get(),
        252_000
    );
    let params = BTreeMap::from([("duration".to_string(), "9".to_string())]);
    assert_eq!(
        quote_input_with(&d, &input, &params).unwrap_err()[0].code,
        kling_descriptor::input::ViolationCode::NotAnOption
    );
}
