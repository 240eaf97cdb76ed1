//! Every page's example input (our copy, with our own prompts) decodes into its typed input and
//! serializes back to the same JSON.

use kling::prelude::*;
use kling_workspace_tests::fixture;

#[test]
fn example_inputs_round_trip_through_the_typed_structs() {
    let text = std::fs::read_to_string(fixture("published-prices.json")).expect("fixture");
    let pages: Vec<serde_json::Value> = serde_json::from_str(&text).expect("JSON");
    for page in &pages {
        let slug = page["slug"].as_str().expect("slug");
        let example = page["example_input"].clone();
        let id: ModelId = slug.parse().expect("a known slug");
        let typed = id
            .decode_input(example.clone())
            .unwrap_or_else(|e| panic!("{slug}: {e}"));
        assert_eq!(typed.model(), id);
        assert_eq!(typed.to_json().expect("serializes"), example, "{slug}");
        assert_eq!(
            serde_json::to_value(&typed).expect("serializes"),
            example,
            "{slug}"
        );
        typed.validate().unwrap_or_else(|v| panic!("{slug}: {v}"));
    }
    assert_eq!(pages.len(), ModelId::ALL.len());
}

#[test]
fn the_registry_lists_every_model_with_its_facts() {
    assert_eq!(ModelId::ALL.len(), 66);
    for id in ModelId::iter() {
        assert_eq!(id.to_string().parse::<ModelId>(), Ok(id));
        assert_eq!(id.info().slug, id.slug());
        assert!(id.info().processing_time_secs > 0);
        assert!(
            id.input_schema()
                .as_object()
                .is_some_and(|o| o.contains_key("properties"))
        );
    }
    let err = "kling-plus/kling-o3-standard/text-to-vide"
        .parse::<ModelId>()
        .unwrap_err();
    assert_eq!(err.slug, "kling-plus/kling-o3-standard/text-to-vide");
    assert_eq!(
        err.suggestion,
        Some("kling-plus/kling-o3-standard/text-to-video")
    );
    assert_eq!(
        err.to_string(),
        "unknown model `kling-plus/kling-o3-standard/text-to-vide`; did you mean `kling-plus/kling-o3-standard/text-to-video`?"
    );
    let far = "nothing/like/this-at-all".parse::<ModelId>().unwrap_err();
    assert_eq!(far.suggestion, None);
}

#[test]
fn decoding_reports_the_path_of_the_first_problem() {
    let id: ModelId = "kling-plus/kling-o3-standard/reference-to-video"
        .parse()
        .unwrap();
    let err = id
        .decode_input(serde_json::json!({"multishot": [{"prompt": "a", "duration": "99"}]}))
        .unwrap_err();
    assert_eq!(err.path, "/multishot/0/duration");
    assert!(
        err.message.contains("`99` is not one of 1, 2, 3"),
        "{}",
        err.message
    );
    let err = id
        .decode_input(serde_json::json!({"has_sound": true}))
        .unwrap_err();
    assert_eq!(err.path, "/has_sound");
    let err = id
        .validate_json(serde_json::json!({"prompt": "x".repeat(2501)}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "/prompt: 2501 characters, at most 2500 allowed"
    );
}

#[test]
fn typed_inputs_price_with_a_breakdown() {
    use kling::models::kling::kling_motion_create_v3::motion_transfer_to_video::{
        BilledDuration, Input, PricingParameters, Quality,
    };

    let input = Input::new(
        "https://example.com/cat.png",
        "https://example.com/dance.mp4",
    )
    .quality(Quality::Pro);
    assert_eq!(input.cost(), MicroCents::new(70_000 * 5 * 3 / 2));
    let long = PricingParameters {
        duration: BilledDuration::Duration10,
    };
    assert_eq!(input.cost_with(&long), MicroCents::new(70_000 * 10 * 3 / 2));
    let quote = input.cost_breakdown();
    assert_eq!(
        quote.to_string(),
        "70,000 × 5 (duration=5) × 1.5 (quality=pro) = 525,000 micro-cents ($0.525)"
    );
    assert_eq!(quote.lines[0].source, kling::ChoiceSource::Default);
    assert_eq!(quote.lines[1].source, kling::ChoiceSource::Given);
}
