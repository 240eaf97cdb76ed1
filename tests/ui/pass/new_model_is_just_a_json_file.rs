//! Adding a model is adding a JSON file: this fictional one, with factor kinds Kling does not use
//! yet, gets a typed input, validation and exact prices without any Rust written for it.

kling_macros::include_models!("new-model-catalog");

use acme::acme_v1::text_to_video::{Fps, Input, Style, StylePalette};
use kling::Model;

fn main() {
    let input = Input::new("A lighthouse at dusk")
        .fps(Fps::Fps60)
        .hd(true)
        .style(Style::new().palette(StylePalette::Cool).grain(2))
        .seed(7);
    input.validate().expect("valid");
    assert_eq!(input.cost().get(), 10_000 * 2 * 3 / 2);
    assert_eq!(Input::new("x").cost().get(), 10_000);

    let json = serde_json::to_value(&input).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({"prompt": "A lighthouse at dusk", "fps": 60, "hd": true, "style": {"palette": "cool", "grain": 2}, "seed": "7"})
    );
    let any = ModelId::AcmeAcmeV1TextToVideo.decode_input(json).expect("decodes");
    assert_eq!(any.cost(), input.cost());

    let bad = Input::new("x".repeat(101)).guidance(11.0).style(Style::new().grain(9));
    let paths: Vec<String> = bad.validate().unwrap_err().iter().map(|v| v.path.clone()).collect();
    assert_eq!(paths, ["/prompt", "/guidance", "/style/grain"]);
    assert!(ModelId::AcmeAcmeV1TextToVideo.decode_input(serde_json::json!({"prompt": "x", "fps": 25})).is_err());
}
