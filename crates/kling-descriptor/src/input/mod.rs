//! Dynamic validation and pricing of a wire-format input (the `input` object of a submit),
//! interpreted from a descriptor at run time.
//!
//! The generated code checks the same rules with compiled types; the two paths share only the
//! classification of fields ([`crate::shape`]) and the wording of violations ([`Violation`]'s
//! constructors), and decide independently, so tests can compare them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostics::Pointer;
use crate::model::{Descriptor, Field, Rule, WireType, wire_text};
use crate::pricing::{PricingError, Quote};
use crate::shape::Shape;

mod violation;

pub use violation::{Violation, ViolationCode, Violations};

/// Checks a wire-format input against a descriptor and returns **every** violation.
///
/// The descriptor should have passed the checks; a field whose shape does not resolve is
/// reported as [`Violation::undescribed`].
///
/// ```
/// # let text = include_str!("../../tests/fixtures/valid/kling/demo/text-to-video.json");
/// # let d = kling_descriptor::load::parse("demo.json".as_ref(), text).unwrap();
/// use kling_descriptor::input::validate_input;
/// let input = serde_json::json!({"prompt": "a red kite", "duration": "7", "colour": 1});
/// let problems = validate_input(&d, &input);
/// let paths: Vec<_> = problems.iter().map(|v| v.path.as_str()).collect();
/// assert_eq!(paths, ["/colour", "/duration"]);
/// ```
pub fn validate_input(d: &Descriptor, input: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check_object(&d.fields, input, &Pointer::root(), &mut out);
    if let Value::Object(map) = input {
        for rule in &d.rules {
            // A rule over values that are already wrong would only repeat their violations.
            let involved = rule_fields(rule);
            let already_wrong = out.iter().any(|v| {
                involved.iter().any(|f| {
                    let p = Pointer::root().key(f).to_string();
                    v.path == p || v.path.starts_with(&format!("{p}/"))
                })
            });
            if !already_wrong {
                check_rule(d, rule, map, &mut out);
            }
        }
    }
    out
}

/// Validates, then prices an input; pricing parameters (values that are not sent) take their
/// defaults.
pub fn quote_input(d: &Descriptor, input: &Value) -> Result<Quote, Vec<Violation>> {
    quote_input_with(d, input, &BTreeMap::new())
}

/// Validates, then prices an input, with explicit values for the descriptor's pricing parameters.
pub fn quote_input_with(
    d: &Descriptor,
    input: &Value,
    parameters: &BTreeMap<String, String>,
) -> Result<Quote, Vec<Violation>> {
    let mut problems = validate_input(d, input);
    for (name, value) in parameters {
        match d.parameter(name) {
            None => problems.push(Violation::unknown_parameter(name, &d.slug)),
            Some(p) if !p.options.contains(value) => {
                problems.push(Violation::not_a_parameter_option(name, value, &p.options));
            }
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let given = |field: &str| match input.get(field) {
        Some(v) => Some(wire_text(v)),
        None => parameters.get(field).cloned(),
    };
    d.price_with(given).map_err(|e| {
        let path = match &e {
            PricingError::NoChoice { field } | PricingError::UnpricedOption { field, .. } => {
                Pointer::root().key(field).to_string()
            }
            PricingError::Arithmetic(_) => String::new(),
        };
        vec![Violation::unpriced(path, &e)]
    })
}

fn check_object(fields: &[Field], value: &Value, at: &Pointer, out: &mut Vec<Violation>) {
    let Value::Object(map) = value else {
        out.push(Violation::not_an_object(at.as_str(), value));
        return;
    };
    for key in map.keys() {
        if !fields.iter().any(|f| f.name == *key) {
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            out.push(Violation::unknown_field(at.key(key), key, &known));
        }
    }
    for field in fields {
        let p = at.key(&field.name);
        match (map.get(&field.name), field.shape()) {
            (Some(v), Ok(shape)) => check_value(&shape, v, &p, out),
            (Some(_), Err(_)) => out.push(Violation::undescribed(p, &field.name)),
            (None, _) if field.required => out.push(Violation::missing_field(p, &field.name)),
            (None, _) => {}
        }
    }
}

fn check_value(shape: &Shape<'_>, v: &Value, at: &Pointer, out: &mut Vec<Violation>) {
    match shape {
        Shape::Array {
            item,
            min_items,
            max_items,
        } => {
            let Value::Array(items) = v else {
                out.push(Violation::wrong_type(at.as_str(), WireType::Array, v));
                return;
            };
            if let Some(max) = max_items
                && items.len() > *max as usize
            {
                out.push(Violation::too_many_items(
                    at.as_str(),
                    items.len(),
                    *max as usize,
                ));
            }
            if let Some(min) = min_items
                && items.len() < *min as usize
            {
                out.push(Violation::too_few_items(
                    at.as_str(),
                    items.len(),
                    *min as usize,
                ));
            }
            for (i, value) in items.iter().enumerate() {
                check_value(item, value, &at.index(i), out);
            }
        }
        Shape::Object(fields) => check_object(fields, v, at, out),
        scalar => check_scalar(scalar, v, at, out),
    }
}

fn check_scalar(shape: &Shape<'_>, v: &Value, at: &Pointer, out: &mut Vec<Violation>) {
    let wire = shape.wire_type();
    let type_ok = match wire {
        WireType::String => v.is_string(),
        WireType::Boolean => v.is_boolean(),
        WireType::Integer | WireType::Number => v.is_number(),
        WireType::Array | WireType::Object => false,
    };
    if !type_ok {
        out.push(Violation::wrong_type(at.as_str(), wire, v));
        return;
    }
    let text = wire_text(v);
    if let Some(options) = shape.options() {
        if !options.contains(&text) {
            out.push(Violation::not_an_option(at.as_str(), &text, options));
        }
        return;
    }
    match shape {
        Shape::BoolText(None) if text != "true" && text != "false" => {
            out.push(Violation::not_a_boolean(at.as_str(), &text));
        }
        Shape::IntText if text.parse::<i64>().is_err() => {
            out.push(Violation::not_an_integer(at.as_str(), v));
        }
        Shape::Int(_) if !v.is_i64() && !v.is_u64() => {
            out.push(Violation::not_an_integer(at.as_str(), v));
        }
        _ => {}
    }
    if let (Shape::Int(bounds) | Shape::Number { bounds, .. }, Some(x)) = (shape, v.as_f64()) {
        let below = bounds.minimum.is_some_and(|min| x < min);
        let above = bounds.maximum.is_some_and(|max| x > max);
        if below || above {
            out.push(Violation::out_of_range(
                at.as_str(),
                x,
                bounds.minimum,
                bounds.maximum,
            ));
        }
    }
    if let (Shape::Text { max_length } | Shape::Url { max_length }, Value::String(t)) = (shape, v) {
        let len = t.chars().count();
        if let Some(max) = max_length
            && len > *max as usize
        {
            out.push(Violation::too_long(at.as_str(), len, *max as usize));
        }
        if matches!(shape, Shape::Url { .. }) && !is_http_url(t) {
            out.push(Violation::invalid_url(at.as_str()));
        }
    }
}

/// Whether `text` is an absolute `http`/`https` URL with a host (the `url` format).
pub fn is_http_url(text: &str) -> bool {
    url::Url::parse(text)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// A number from a numeric field's wire value (`"5"` or `5`).
fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The fields whose values a rule reads (presence alone does not count).
fn rule_fields(rule: &Rule) -> Vec<&str> {
    match rule {
        Rule::MaxItemsWhenPresent { array, .. } => vec![array],
        Rule::ItemSumAtMost {
            array, limit_field, ..
        } => vec![array, limit_field],
    }
}

fn check_rule(
    d: &Descriptor,
    rule: &Rule,
    input: &serde_json::Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    let at = |field: &str| Pointer::root().key(field).to_string();
    match rule {
        Rule::MaxItemsWhenPresent {
            array,
            when_present,
            max_items,
        } => {
            if let (Some(Value::Array(items)), Some(_)) =
                (input.get(array), input.get(when_present))
                && items.len() > *max_items as usize
            {
                out.push(Violation::max_items_when_present(
                    at(array),
                    items.len(),
                    *max_items as usize,
                    when_present,
                ));
            }
        }
        Rule::ItemSumAtMost {
            array,
            item_field,
            limit_field,
        } => {
            let Some(Value::Array(items)) = input.get(array) else {
                return;
            };
            let sum: f64 = items
                .iter()
                .filter_map(|i| i.get(item_field).and_then(numeric))
                .sum();
            let limit = match input.get(limit_field) {
                Some(v) => numeric(v),
                None => d
                    .field(limit_field)
                    .and_then(|f| f.default.as_ref())
                    .and_then(numeric),
            };
            if let Some(limit) = limit
                && sum > limit
            {
                out.push(Violation::item_sum_above_limit(
                    at(array),
                    sum,
                    limit,
                    item_field,
                    limit_field,
                ));
            }
        }
    }
}
