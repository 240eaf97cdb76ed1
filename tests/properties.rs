//! Property tests, bounded so the suite stays quick: prices are base × Π multipliers for random
//! descriptors; generated and interpreted paths agree on random inputs; serialize ∘ deserialize
//! is the identity; no input makes validation panic.

use std::collections::BTreeMap;

use kling::prelude::*;
use kling_descriptor::Descriptor;
use kling_descriptor::input::{quote_input, validate_input};
use kling_descriptor::model::{DocumentedCost, Factor, Field, MultiplierTable, Pricing, WireType};
use kling_workspace_tests::catalog;
use proptest::prelude::*;
use serde_json::{Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    }
}

/// A multiplier's text and its exact value as numerator and denominator.
type Exact = (String, u128, u128);

/// A multiplier written with up to two decimals, and its exact value as a fraction.
fn multiplier() -> impl Strategy<Value = Exact> {
    (0u32..2000, 0u32..3).prop_map(|(n, scale)| {
        let den = 10u128.pow(scale);
        let text = if scale == 0 {
            n.to_string()
        } else {
            format!(
                "{}.{:0width$}",
                u128::from(n) / den,
                u128::from(n) % den,
                width = scale as usize
            )
        };
        (text, u128::from(n), den)
    })
}

fn random_descriptor() -> impl Strategy<Value = (Descriptor, Vec<Vec<Exact>>)> {
    (
        1u64..1_000_000,
        prop::collection::vec(prop::collection::vec(multiplier(), 1..5), 0..4),
    )
        .prop_map(|(base, tables)| {
            let mut fields = Vec::new();
            let mut factors = Vec::new();
            for (i, table) in tables.iter().enumerate() {
                let name = format!("f{i}");
                let options: Vec<String> = (0..table.len()).map(|k| format!("o{k}")).collect();
                fields.push(Field {
                    name: name.clone(),
                    description: "x".into(),
                    rust_name: None,
                    wire_type: WireType::String,
                    value_type: None,
                    format: None,
                    required: false,
                    default: Some(json!("o0")),
                    options: Some(options.clone()),
                    unit: None,
                    max_length: None,
                    minimum: None,
                    maximum: None,
                    min_items: None,
                    max_items: None,
                    items: None,
                    fields: Vec::new(),
                });
                let entries = options
                    .iter()
                    .zip(table)
                    .map(|(o, (text, _, _))| (o.clone(), text.parse().expect("multiplier")))
                    .collect();
                factors.push(Factor {
                    field: name,
                    label: format!("F{i}"),
                    multipliers: MultiplierTable(entries),
                });
            }
            let d = Descriptor {
                schema: String::new(),
                slug: "test/random/model".into(),
                provider: "p".into(),
                model: "m".into(),
                capability: "c".into(),
                summary: "s".into(),
                processing_time_seconds: 1,
                docs_url: "https://example.com".into(),
                fields,
                rules: Vec::new(),
                pricing: Pricing {
                    base_micro_cents: MicroCents::new(base),
                    base_unit_stated: None,
                    formula: String::new(),
                    flat: tables.is_empty(),
                    factors,
                    parameters: Vec::new(),
                    documented: DocumentedCost {
                        micro_cents: MicroCents::new(base),
                        assumes: BTreeMap::new(),
                    },
                },
                notes: Vec::new(),
            };
            (d, tables)
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn price_is_base_times_the_product_of_multipliers((d, tables) in random_descriptor(), picks in prop::collection::vec(0usize..5, 4)) {
        let mut input = serde_json::Map::new();
        let (mut num, mut den) = (u128::from(d.pricing.base_micro_cents.get()), 1u128);
        for (i, table) in tables.iter().enumerate() {
            let k = picks[i] % table.len();
            input.insert(format!("f{i}"), json!(format!("o{k}")));
            num *= table[k].1;
            den *= table[k].2;
        }
        let expected = num.div_ceil(den);
        let quote = quote_input(&d, &Value::Object(input)).expect("valid input");
        prop_assert_eq!(u128::from(quote.total.get()), expected);
        prop_assert_eq!(quote.exact, num % den == 0);
    }
}

fn r2v() -> Descriptor {
    catalog()
        .into_iter()
        .find(|l| l.descriptor.slug == "kling-plus/kling-o3-standard/reference-to-video")
        .expect("model")
        .descriptor
}

/// Inputs for the reference-to-video model: options picked at random, strings of random length,
/// sometimes too long or not URLs.
fn r2v_input() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[a-z ]{0,40}"),
        prop::option::of(prop::sample::select(vec![
            "https://e.com/v.mp4",
            "not a url",
            "http://127.0.0.1/v.mp4",
        ])),
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["https://e.com/a.png", "ftp://x/y"]),
            0..9,
        )),
        prop::option::of(prop::sample::select(vec!["3", "5", "10", "15"])),
        prop::option::of(prop::sample::select(vec!["true", "false"])),
        prop::option::of(prop::sample::select(vec!["16:9", "9:16", "1:1"])),
        prop::option::of(prop::collection::vec(
            ("[a-z]{1,8}", prop::option::of(1u32..=15)),
            0..4,
        )),
    )
        .prop_map(|(prompt, video, images, duration, sound, ratio, shots)| {
            let mut m = serde_json::Map::new();
            if let Some(p) = prompt {
                m.insert("prompt".into(), json!(p));
            }
            if let Some(v) = video {
                m.insert("video_url".into(), json!(v));
            }
            if let Some(i) = images {
                m.insert("images".into(), json!(i));
            }
            if let Some(d) = duration {
                m.insert("duration".into(), json!(d));
            }
            if let Some(s) = sound {
                m.insert("has_sound".into(), json!(s));
            }
            if let Some(r) = ratio {
                m.insert("aspect_ratio".into(), json!(r));
            }
            if let Some(shots) = shots {
                let items: Vec<Value> = shots
                    .into_iter()
                    .map(|(p, d)| match d {
                        Some(d) => json!({"prompt": p, "duration": d.to_string()}),
                        None => json!({"prompt": p}),
                    })
                    .collect();
                m.insert("multishot".into(), Value::Array(items));
            }
            Value::Object(m)
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_and_dynamic_paths_agree(json in r2v_input()) {
        let d = r2v();
        let id: ModelId = d.slug.parse().expect("slug");
        let typed = id.decode_input(json.clone()).expect("these inputs always decode");
        let dynamic: Vec<(String, kling::ViolationCode)> = validate_input(&d, &json).into_iter().map(|v| (v.path, v.code)).collect();
        let generated: Vec<(String, kling::ViolationCode)> = match typed.validate() {
            Ok(()) => Vec::new(),
            Err(v) => v.into_iter().map(|v| (v.path, v.code)).collect(),
        };
        let mut a = dynamic.clone();
        let mut b = generated;
        a.sort();
        b.sort();
        prop_assert_eq!(&a, &b);
        if dynamic.is_empty() {
            prop_assert_eq!(quote_input(&d, &json).expect("valid").total, typed.cost());
        }
        // serialize ∘ deserialize is the identity.
        prop_assert_eq!(typed.to_json().expect("serializes"), json);
    }

    #[test]
    fn no_input_makes_validation_panic(json in arbitrary_json()) {
        for loaded in catalog().iter().take(12) {
            let _ = validate_input(&loaded.descriptor, &json);
            let _ = quote_input(&loaded.descriptor, &json);
            let id: ModelId = loaded.descriptor.slug.parse().expect("slug");
            if let Ok(typed) = id.decode_input(json.clone()) {
                let _ = typed.validate();
                let _ = typed.cost();
            }
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z0-9:/._ -]{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "prompt",
            "duration",
            "5",
            "true",
            "images",
            "multishot",
            "https://e.com/x"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "prompt",
                    "duration",
                    "has_sound",
                    "images",
                    "multishot",
                    "video_url",
                    "aspect_ratio",
                    "x"
                ])
                .prop_map(String::from),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
