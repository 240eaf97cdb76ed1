//! The generated code and kling-descriptor's run-time interpretation are two independent
//! implementations of the same descriptors. They must agree on every price and every verdict.

use std::collections::{BTreeMap, BTreeSet};

use kling::prelude::*;
use kling_descriptor::input::{self, ViolationCode};
use kling_descriptor::model::{Descriptor, Field, Format, Items, Rule, ValueType, WireType};
use kling_workspace_tests::catalog;
use serde_json::{Map, Value, json};

/// The wire value of an option's text for a field.
fn wire(wire_type: WireType, text: &str) -> Value {
    match wire_type {
        WireType::Boolean => Value::Bool(text == "true"),
        WireType::Integer => json!(text.parse::<i64>().expect("integer option")),
        WireType::Number => json!(text.parse::<f64>().expect("number option")),
        _ => Value::String(text.to_string()),
    }
}

fn sample_string(value_type: Option<ValueType>, format: Option<Format>) -> Value {
    match (value_type, format) {
        (Some(ValueType::Boolean), _) => json!("true"),
        (Some(ValueType::Integer), _) => json!("3"),
        (_, Some(Format::Url)) => json!("https://example.com/media/sample.png"),
        _ => json!("a sample value"),
    }
}

/// A valid value for a field.
fn sample(f: &Field) -> Value {
    if let Some(default) = &f.default {
        return default.clone();
    }
    if let Some(option) = f.options.as_ref().and_then(|o| o.first()) {
        return wire(f.wire_type, option);
    }
    match f.wire_type {
        WireType::String => sample_string(f.value_type, f.format),
        WireType::Boolean => json!(true),
        WireType::Integer => json!(f.minimum.map_or(1, |m| m as i64)),
        WireType::Number => json!(match (f.minimum, f.maximum) {
            (Some(lo), Some(hi)) => (lo + hi) / 2.0,
            (Some(lo), None) => lo,
            (None, Some(hi)) => hi,
            (None, None) => 0.5,
        }),
        WireType::Array => {
            let count = f.min_items.unwrap_or(1).max(1) as usize;
            Value::Array(vec![sample_item(f.items.as_deref().expect("items")); count])
        }
        WireType::Object => Value::Object(
            f.fields
                .iter()
                .map(|m| (m.name.clone(), sample(m)))
                .collect(),
        ),
    }
}

fn sample_item(items: &Items) -> Value {
    match items.wire_type {
        WireType::Object => Value::Object(
            items
                .fields
                .iter()
                .map(|m| (m.name.clone(), sample(m)))
                .collect(),
        ),
        WireType::Boolean => json!(true),
        WireType::Integer => json!(1),
        WireType::Number => json!(0.5),
        _ => sample_string(None, items.format),
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

/// A value of the wrong JSON type for a field.
fn wrong_type(f: &Field) -> Value {
    match f.wire_type {
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
    let mut out = vec![wrong_type(f)];
    if f.options.is_some() || f.value_type.is_some() {
        out.push(wire(f.wire_type, "not-an-option"));
    }
    if let Some(max) = f.max_length {
        out.push(json!("x".repeat(max as usize + 1)));
    }
    if f.format == Some(Format::Url) {
        out.push(json!("not a url"));
    }
    if let Some(min) = f.minimum {
        out.push(json!(min - 1.0));
    }
    if let Some(max) = f.maximum {
        out.push(json!(max + 1.0));
    }
    if let Some(items) = f.items.as_deref() {
        let item = sample_item(items);
        if let Some(max) = f.max_items {
            out.push(Value::Array(vec![item.clone(); max as usize + 1]));
        }
        if let Some(min) = f.min_items.filter(|m| *m > 0) {
            out.push(Value::Array(vec![item.clone(); min as usize - 1]));
        }
        out.push(json!([1, "two", null]));
        if items.wire_type == WireType::Object {
            for m in &items.fields {
                for broken in field_mutations(m) {
                    let mut one = item.clone();
                    one[&m.name] = broken;
                    out.push(json!([one]));
                }
                if m.required {
                    let mut one = item.clone();
                    one.as_object_mut().expect("object").remove(&m.name);
                    out.push(json!([one]));
                }
            }
            let mut extra = item.clone();
            extra["zz_unknown"] = json!(1);
            out.push(json!([extra]));
        }
        if items.format == Some(Format::Url) {
            out.push(json!([
                "https://example.com/a.png",
                "ftp://example.com/b.png"
            ]));
        }
    }
    for m in &f.fields {
        for broken in field_mutations(m) {
            let mut object = sample(f);
            object[&m.name] = broken;
            out.push(object);
        }
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
            let item = sample_item(a.items.as_deref().expect("items"));
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
            let items = a.items.as_deref().expect("items");
            let member = items
                .fields
                .iter()
                .find(|m| m.name == *item_field)
                .expect("member");
            let biggest = member
                .options
                .as_ref()
                .and_then(|o| o.last())
                .expect("options")
                .clone();
            let mut item = sample_item(items);
            item[item_field] = wire(member.wire_type, &biggest);
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

fn verdicts_agree(id: ModelId, d: &Descriptor, json: &Value) -> Result<(), String> {
    let dynamic: BTreeSet<(String, ViolationCode)> = input::validate_input(d, json)
        .into_iter()
        .map(|v| (v.path, v.code))
        .collect();
    match id.decode_input(json.clone()) {
        Err(e) => {
            if dynamic.iter().any(|(_, code)| DECODE_CODES.contains(code)) {
                Ok(())
            } else {
                Err(format!(
                    "typed decoding refused ({e}) but the dynamic path found {dynamic:?}"
                ))
            }
        }
        Ok(typed) => {
            let typed: BTreeSet<(String, ViolationCode)> = match typed.validate() {
                Ok(()) => BTreeSet::new(),
                Err(v) => v.into_iter().map(|v| (v.path, v.code)).collect(),
            };
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
                        json.insert(field.to_string(), wire(f.wire_type, option));
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
