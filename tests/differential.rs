//! The generated code and kling-descriptor's run-time interpretation are two independent
//! implementations of the same descriptors. They must agree on every price and every verdict,
//! down to the words of each violation. The inputs are built from each field's shape.

use std::collections::BTreeMap;

use kling::prelude::*;
use kling_descriptor::input::{self, Violation, ViolationCode};
use kling_descriptor::model::{Descriptor, Field, Rule, WireType};
use kling_descriptor::shape::Shape;
use kling_workspace_tests::catalog;
use serde_json::{Map, Value, json};

/// The shape of a field of a checked descriptor.
fn shape(f: &Field) -> Shape<'_> {
    f.shape().expect("the catalog's fields have shapes")
}

/// The wire value of an option's text for a value of `shape`.
fn wire(shape: &Shape<'_>, text: &str) -> Value {
    match shape.wire_type() {
        WireType::Boolean => Value::Bool(text == "true"),
        WireType::Integer => json!(text.parse::<i64>().expect("integer option")),
        WireType::Number => json!(text.parse::<f64>().expect("number option")),
        _ => Value::String(text.to_string()),
    }
}

/// A valid value for a field.
fn sample(f: &Field) -> Value {
    if let Some(default) = &f.default {
        return default.clone();
    }
    sample_of(&shape(f))
}

/// A valid value of a shape, without a default to go by.
fn sample_of(shape: &Shape<'_>) -> Value {
    if let Some(option) = shape.options().and_then(|o| o.first()) {
        return wire(shape, option);
    }
    match shape {
        Shape::BoolText(_) => json!("true"),
        Shape::IntText => json!("3"),
        Shape::Url { .. } => json!("https://example.com/media/sample.png"),
        Shape::Text { .. } | Shape::TextOption(_) => json!("a sample value"),
        Shape::Bool => json!(true),
        Shape::Int(bounds) => json!(bounds.minimum.map_or(1, |m| m as i64)),
        Shape::IntOption { .. } => json!(1),
        Shape::Number { bounds, .. } => json!(match (bounds.minimum, bounds.maximum) {
            (Some(lo), Some(hi)) => (lo + hi) / 2.0,
            (Some(lo), None) => lo,
            (None, Some(hi)) => hi,
            (None, None) => 0.5,
        }),
        Shape::Array {
            item, min_items, ..
        } => {
            let count = min_items.unwrap_or(1).max(1) as usize;
            Value::Array(vec![sample_of(item); count])
        }
        Shape::Object(fields) => {
            Value::Object(fields.iter().map(|m| (m.name.clone(), sample(m))).collect())
        }
    }
}

fn full(d: &Descriptor) -> Map<String, Value> {
    d.fields
        .iter()
        .map(|f| (f.name.clone(), sample(f)))
        .collect()
}

fn minimal(d: &Descriptor) -> Map<String, Value> {
    d.fields
        .iter()
        .filter(|f| f.required)
        .map(|f| (f.name.clone(), sample(f)))
        .collect()
}

/// A value of the wrong JSON type for a value of `shape`.
fn wrong_type(shape: &Shape<'_>) -> Value {
    match shape.wire_type() {
        WireType::String => json!(5),
        WireType::Boolean => json!("true"),
        WireType::Integer => json!(1.5),
        WireType::Number => json!("0.5"),
        WireType::Array => json!("not a list"),
        WireType::Object => json!(1),
    }
}

/// Broken variants of one field's value (each alone is invalid).
fn field_mutations(f: &Field) -> Vec<Value> {
    let shape = shape(f);
    let mut out = vec![wrong_type(&shape)];
    match &shape {
        Shape::TextOption(_)
        | Shape::IntOption { .. }
        | Shape::BoolText(_)
        | Shape::IntText
        | Shape::Number {
            options: Some(_), ..
        } => out.push(wire(&shape, "not-an-option")),
        Shape::Text { max_length } | Shape::Url { max_length } => {
            if let Some(max) = max_length {
                out.push(json!("x".repeat(*max as usize + 1)));
            }
            if matches!(shape, Shape::Url { .. }) {
                out.push(json!("not a url"));
            }
        }
        Shape::Int(bounds) | Shape::Number { bounds, .. } => {
            if let Some(min) = bounds.minimum {
                out.push(json!(min - 1.0));
            }
            if let Some(max) = bounds.maximum {
                out.push(json!(max + 1.0));
            }
        }
        Shape::Array {
            item,
            min_items,
            max_items,
        } => out.extend(array_mutations(item, *min_items, *max_items)),
        Shape::Object(members) => {
            for m in *members {
                for broken in field_mutations(m) {
                    let mut object = sample(f);
                    object[&m.name] = broken;
                    out.push(object);
                }
            }
        }
        Shape::Bool => {}
    }
    out
}

/// Broken variants of an array's value.
fn array_mutations(item: &Shape<'_>, min: Option<u32>, max: Option<u32>) -> Vec<Value> {
    let sample = sample_of(item);
    let mut out = Vec::new();
    if let Some(max) = max {
        out.push(Value::Array(vec![sample.clone(); max as usize + 1]));
    }
    if let Some(min) = min.filter(|m| *m > 0) {
        out.push(Value::Array(vec![sample.clone(); min as usize - 1]));
    }
    out.push(json!([1, "two", null]));
    match item {
        Shape::Object(members) => {
            for m in *members {
                for broken in field_mutations(m) {
                    let mut one = sample.clone();
                    one[&m.name] = broken;
                    out.push(json!([one]));
                }
                if m.required {
                    let mut one = sample.clone();
                    one.as_object_mut().expect("object").remove(&m.name);
                    out.push(json!([one]));
                }
            }
            let mut extra = sample.clone();
            extra["zz_unknown"] = json!(1);
            out.push(json!([extra]));
        }
        Shape::Url { .. } => out.push(json!([
            "https://example.com/a.png",
            "ftp://example.com/b.png"
        ])),
        _ => {}
    }
    out
}

/// Inputs that break a cross-field rule.
fn rule_mutations(
    d: &Descriptor,
    rule: &Rule,
    base: &Map<String, Value>,
) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    match rule {
        Rule::MaxItemsWhenPresent {
            array,
            when_present,
            max_items,
        } => {
            let (Some(a), Some(w)) = (d.field(array), d.field(when_present)) else {
                return out;
            };
            let Shape::Array { item, .. } = shape(a) else {
                panic!("{array} is an array")
            };
            let item = sample_of(&item);
            let mut input = base.clone();
            input.insert(
                array.clone(),
                Value::Array(vec![item; *max_items as usize + 1]),
            );
            input.insert(when_present.clone(), sample(w));
            out.push(input.clone());
            input.remove(when_present);
            out.push(input);
        }
        Rule::ItemSumAtMost {
            array,
            item_field,
            limit_field,
        } => {
            let Some(a) = d.field(array) else { return out };
            let Shape::Array { item, .. } = shape(a) else {
                panic!("{array} is an array")
            };
            let Shape::Object(members) = *item else {
                panic!("{array} holds objects")
            };
            let member = members
                .iter()
                .find(|m| m.name == *item_field)
                .expect("member");
            let member_shape = shape(member);
            let biggest = member_shape
                .options()
                .and_then(|o| o.last())
                .expect("options");
            let mut item = sample_of(&Shape::Object(members));
            item[item_field] = wire(&member_shape, biggest);
            for count in 1..=3 {
                let mut input = base.clone();
                input.insert(array.clone(), Value::Array(vec![item.clone(); count]));
                out.push(input.clone());
                input.remove(limit_field);
                out.push(input);
            }
        }
    }
    out
}

const DECODE_CODES: [ViolationCode; 6] = [
    ViolationCode::WrongType,
    ViolationCode::NotAnOption,
    ViolationCode::UnknownField,
    ViolationCode::MissingField,
    ViolationCode::NotAnObject,
    ViolationCode::NotAnInteger,
];

/// Violations in a comparable order.
fn sorted(violations: impl IntoIterator<Item = Violation>) -> Vec<Violation> {
    let mut all: Vec<Violation> = violations.into_iter().collect();
    all.sort_by(|a, b| (&a.path, a.code, &a.message).cmp(&(&b.path, b.code, &b.message)));
    all
}

fn verdicts_agree(id: ModelId, d: &Descriptor, json: &Value) -> Result<(), String> {
    let dynamic = sorted(input::validate_input(d, json));
    match id.decode_input(json.clone()) {
        Err(e) => {
            if dynamic.iter().any(|v| DECODE_CODES.contains(&v.code)) {
                Ok(())
            } else {
                Err(format!(
                    "typed decoding refused ({e}) but the dynamic path found {dynamic:?}"
                ))
            }
        }
        Ok(typed) => {
            // The whole violation: path, code and the words both take from `Violation`.
            let typed = sorted(typed.validate().err().unwrap_or_default());
            if typed == dynamic {
                Ok(())
            } else {
                Err(format!("typed {typed:?} != dynamic {dynamic:?}"))
            }
        }
    }
}

#[test]
fn validation_verdicts_agree_on_valid_and_invalid_inputs() {
    let (mut cases, mut invalid) = (0, 0);
    for loaded in catalog() {
        let d = &loaded.descriptor;
        let id: ModelId = d.slug.parse().expect("known slug");
        let mut inputs: Vec<Value> = vec![
            Value::Object(full(d)),
            Value::Object(minimal(d)),
            json!([]),
            json!("x"),
        ];
        let base = full(d);
        for f in &d.fields {
            for broken in field_mutations(f) {
                let mut input = base.clone();
                input.insert(f.name.clone(), broken);
                inputs.push(Value::Object(input));
            }
            if f.required {
                let mut input = base.clone();
                input.remove(&f.name);
                inputs.push(Value::Object(input));
            }
        }
        let mut unknown = base.clone();
        unknown.insert("zz_unknown".into(), json!(true));
        inputs.push(Value::Object(unknown));
        for rule in &d.rules {
            inputs.extend(
                rule_mutations(d, rule, &minimal(d))
                    .into_iter()
                    .map(Value::Object),
            );
        }
        for json in &inputs {
            verdicts_agree(id, d, json).unwrap_or_else(|e| panic!("{}: {json}\n{e}", d.slug));
            invalid += usize::from(!input::validate_input(d, json).is_empty());
            cases += 1;
        }
        assert!(
            input::validate_input(d, &Value::Object(full(d))).is_empty(),
            "{}: the full sample is valid",
            d.slug
        );
    }
    println!("validation agreed on {cases} inputs ({invalid} invalid) across the catalog");
}

#[test]
fn every_price_combination_agrees() {
    use kling::models::kling::kling_motion_create_v3::motion_transfer_to_video as motion;

    let mut combinations = 0;
    for loaded in catalog() {
        let d = &loaded.descriptor;
        let id: ModelId = d.slug.parse().expect("known slug");
        d.for_each_combination(|combo| {
            let mut json = full(d);
            let mut parameters = BTreeMap::new();
            for (field, option) in combo {
                match d.field(field) {
                    Some(f) => {
                        json.insert(field.to_string(), wire(&shape(f), option));
                    }
                    None => {
                        parameters.insert(field.to_string(), option.to_string());
                    }
                }
            }
            let json = Value::Object(json);
            let dynamic = input::quote_input_with(d, &json, &parameters).expect("valid");
            let typed = id.decode_input(json.clone()).expect("decodes");
            let (total, breakdown) = if parameters.is_empty() {
                (typed.cost(), typed.cost_breakdown())
            } else {
                assert_eq!(
                    d.slug,
                    "kling/kling-motion-create-v3/motion-transfer-to-video"
                );
                let input: motion::Input = serde_json::from_value(json.clone()).expect("decodes");
                let duration = motion::BilledDuration::ALL
                    .into_iter()
                    .find(|b| b.as_str() == parameters["duration"])
                    .expect("option");
                let params = motion::PricingParameters { duration };
                (input.cost_with(&params), input.cost_breakdown_with(&params))
            };
            assert_eq!(total, dynamic.total, "{}: {combo:?}", d.slug);
            assert_eq!(breakdown.total, dynamic.total);
            let lines = |q: &kling::Quote| {
                q.lines
                    .iter()
                    .map(|l| (l.field.clone(), l.option.clone(), l.multiplier))
                    .collect::<Vec<_>>()
            };
            assert_eq!(lines(&breakdown), lines(&dynamic), "{}: {combo:?}", d.slug);
            combinations += 1;
        });
    }
    println!("typed and dynamic prices agreed on {combinations} option combinations");
    assert!(combinations >= 645);
}
