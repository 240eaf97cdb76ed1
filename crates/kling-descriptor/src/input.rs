//! Dynamic validation and pricing of a wire-format input (the `input` object of a submit),
//! interpreted from a descriptor at run time.
//!
//! The generated code checks the same rules with compiled types; the two paths are kept
//! independent on purpose so tests can compare them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::Pointer;
use crate::model::{Descriptor, Field, Format, Items, Rule, ValueType, WireType, wire_text};
use crate::pricing::{PricingError, Quote};

/// One reason an input is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer into the input (`/images/3`); empty for the input as a whole.
    pub path: String,
    /// The kind of problem, stable for programs.
    pub code: ViolationCode,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every violation of one input; the error type of validation.
///
/// Displays one violation per line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    /// `Ok(())` when there is no violation, else `Err(self)`.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::ops::Deref for Violations {
    type Target = [Violation];
    fn deref(&self) -> &[Violation] {
        &self.0
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// The kinds of [`Violation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    /// The input (or an object item) is not a JSON object.
    NotAnObject,
    /// A key the model does not take.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// The JSON type differs from the wire type.
    WrongType,
    /// A value outside the closed set of options.
    NotAnOption,
    /// A string longer than allowed.
    TooLong,
    /// A number outside its range.
    OutOfRange,
    /// A fractional number where a whole one is needed.
    NotAnInteger,
    /// An array with more items than allowed.
    TooManyItems,
    /// An array with fewer items than needed.
    TooFewItems,
    /// A string that should be an http(s) URL and is not.
    InvalidUrl,
    /// A rule across fields is broken.
    RuleViolated,
}

struct Out(Vec<Violation>);

impl Out {
    fn push(&mut self, path: &Pointer, code: ViolationCode, message: impl Into<String>) {
        self.0.push(Violation {
            path: path.to_string(),
            code,
            message: message.into(),
        });
    }
}

/// Checks a wire-format input against a descriptor and returns **every** violation.
///
/// ```
/// # let text = include_str!("../tests/fixtures/valid/kling/demo/text-to-video.json");
/// # let d = kling_descriptor::load::parse("demo.json".as_ref(), text).unwrap();
/// use kling_descriptor::input::validate_input;
/// let input = serde_json::json!({"prompt": "a red kite", "duration": "7", "colour": 1});
/// let problems = validate_input(&d, &input);
/// let paths: Vec<_> = problems.iter().map(|v| v.path.as_str()).collect();
/// assert_eq!(paths, ["/colour", "/duration"]);
/// ```
pub fn validate_input(d: &Descriptor, input: &Value) -> Vec<Violation> {
    let mut out = Out(Vec::new());
    check_object(&d.fields, input, &Pointer::root(), &mut out);
    if let Value::Object(map) = input {
        for rule in &d.rules {
            // A rule over values that are already wrong would only repeat their violations.
            let involved = rule_fields(rule);
            let already_wrong = out.0.iter().any(|v| {
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
    out.0
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
            None => problems.push(Violation {
                path: String::new(),
                code: ViolationCode::UnknownField,
                message: format!("`{name}` is not a pricing parameter of {}", d.slug),
            }),
            Some(p) if !p.options.contains(value) => problems.push(Violation {
                path: String::new(),
                code: ViolationCode::NotAnOption,
                message: format!(
                    "pricing parameter `{name}`: `{value}` is not one of {}",
                    p.options.join(", ")
                ),
            }),
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
        vec![Violation {
            path,
            code: ViolationCode::NotAnOption,
            message: e.to_string(),
        }]
    })
}

fn type_name(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a string".into(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn check_object(fields: &[Field], value: &Value, at: &Pointer, out: &mut Out) {
    let Value::Object(map) = value else {
        out.push(
            at,
            ViolationCode::NotAnObject,
            format!("expected an object, got {}", type_name(value)),
        );
        return;
    };
    for key in map.keys() {
        if !fields.iter().any(|f| f.name == *key) {
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            out.push(
                &at.key(key),
                ViolationCode::UnknownField,
                format!("unknown field `{key}`; accepted: {}", known.join(", ")),
            );
        }
    }
    for field in fields {
        match map.get(&field.name) {
            Some(v) => check_field(field, v, &at.key(&field.name), out),
            None if field.required => out.push(
                &at.key(&field.name),
                ViolationCode::MissingField,
                format!("`{}` is required", field.name),
            ),
            None => {}
        }
    }
}

struct Scalar<'a> {
    wire: WireType,
    value_type: Option<ValueType>,
    format: Option<Format>,
    options: Option<&'a [String]>,
    max_length: Option<u32>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

fn check_field(f: &Field, v: &Value, at: &Pointer, out: &mut Out) {
    let scalar = Scalar {
        wire: f.wire_type,
        value_type: f.value_type,
        format: f.format,
        options: f.options.as_deref(),
        max_length: f.max_length,
        minimum: f.minimum,
        maximum: f.maximum,
    };
    match f.wire_type {
        WireType::Array => {
            let Value::Array(items) = v else {
                out.push(
                    at,
                    ViolationCode::WrongType,
                    format!("expected an array, got {}", type_name(v)),
                );
                return;
            };
            if let Some(max) = f.max_items
                && items.len() > max as usize
            {
                out.push(
                    at,
                    ViolationCode::TooManyItems,
                    format!("at most {max} items, got {}", items.len()),
                );
            }
            if let Some(min) = f.min_items
                && items.len() < min as usize
            {
                out.push(
                    at,
                    ViolationCode::TooFewItems,
                    format!("at least {min} item(s), got {}", items.len()),
                );
            }
            if let Some(spec) = f.items.as_deref() {
                for (i, item) in items.iter().enumerate() {
                    check_item(spec, item, &at.index(i), out);
                }
            }
        }
        WireType::Object => check_object(&f.fields, v, at, out),
        _ => check_scalar(&scalar, v, at, out),
    }
}

fn check_item(spec: &Items, v: &Value, at: &Pointer, out: &mut Out) {
    match spec.wire_type {
        WireType::Object => check_object(&spec.fields, v, at, out),
        WireType::Array => out.push(
            at,
            ViolationCode::WrongType,
            "nested arrays are not supported",
        ),
        wire => check_scalar(
            &Scalar {
                wire,
                value_type: None,
                format: spec.format,
                options: None,
                max_length: spec.max_length,
                minimum: None,
                maximum: None,
            },
            v,
            at,
            out,
        ),
    }
}

fn check_scalar(s: &Scalar<'_>, v: &Value, at: &Pointer, out: &mut Out) {
    let type_ok = match s.wire {
        WireType::String => v.is_string(),
        WireType::Boolean => v.is_boolean(),
        WireType::Integer | WireType::Number => v.is_number(),
        WireType::Array | WireType::Object => false,
    };
    if !type_ok {
        let hint = match (s.wire, v) {
            (WireType::String, Value::Number(_) | Value::Bool(_)) => {
                format!(" (this API sends it as text: \"{v}\")")
            }
            (WireType::Boolean, Value::String(t)) if t == "true" || t == "false" => {
                format!(" (send a JSON boolean: {t})")
            }
            (WireType::Integer | WireType::Number, Value::String(t))
                if t.parse::<f64>().is_ok() =>
            {
                format!(" (send a JSON number: {t})")
            }
            _ => String::new(),
        };
        out.push(
            at,
            ViolationCode::WrongType,
            format!("expected a {}, got {}{hint}", s.wire.as_str(), type_name(v)),
        );
        return;
    }
    let text = wire_text(v);
    if let Some(options) = s.options {
        if !options.contains(&text) {
            out.push(
                at,
                ViolationCode::NotAnOption,
                format!("`{text}` is not one of {}", options.join(", ")),
            );
        }
        return;
    }
    match s.value_type {
        Some(ValueType::Boolean) if text != "true" && text != "false" => {
            out.push(
                at,
                ViolationCode::NotAnOption,
                format!("`{text}` is neither \"true\" nor \"false\""),
            );
        }
        Some(ValueType::Integer) if text.parse::<i64>().is_err() => {
            out.push(
                at,
                ViolationCode::NotAnInteger,
                format!("`{text}` is not a whole number"),
            );
        }
        _ => {}
    }
    if let Value::Number(n) = v {
        if s.wire == WireType::Integer && !(n.is_i64() || n.is_u64()) {
            out.push(
                at,
                ViolationCode::NotAnInteger,
                format!("{n} is not a whole number"),
            );
        }
        if let Some(x) = n.as_f64() {
            let below = s.minimum.is_some_and(|min| x < min);
            let above = s.maximum.is_some_and(|max| x > max);
            if below || above {
                let range = match (s.minimum, s.maximum) {
                    (Some(min), Some(max)) => format!("between {min} and {max}"),
                    (Some(min), None) => format!("at least {min}"),
                    (None, Some(max)) => format!("at most {max}"),
                    (None, None) => String::new(),
                };
                out.push(at, ViolationCode::OutOfRange, format!("{n} is not {range}"));
            }
        }
    }
    if let Value::String(t) = v {
        let len = t.chars().count();
        if let Some(max) = s.max_length
            && len > max as usize
        {
            out.push(
                at,
                ViolationCode::TooLong,
                format!("{len} characters, at most {max} allowed"),
            );
        }
        if s.format == Some(Format::Url) && !is_http_url(t) {
            out.push(
                at,
                ViolationCode::InvalidUrl,
                "expected an absolute http(s) URL".to_string(),
            );
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

fn check_rule(d: &Descriptor, rule: &Rule, input: &serde_json::Map<String, Value>, out: &mut Out) {
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
                out.push(
                    &Pointer::root().key(array),
                    ViolationCode::RuleViolated,
                    format!(
                        "at most {max_items} items when `{when_present}` is given, got {}",
                        items.len()
                    ),
                );
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
                out.push(
                    &Pointer::root().key(array),
                    ViolationCode::RuleViolated,
                    format!("the `{item_field}` values add up to {sum}, more than `{limit_field}` ({limit})"),
                );
            }
        }
    }
}
