//! Why an input is refused: [`Violation`]s, and the one place their messages are written.
//!
//! The interpreted validation (this crate) and the generated `validate()` methods (through
//! `kling`'s support module) build every violation with these constructors, so the two report the
//! same words; `tests/differential.rs` compares whole violations.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::model::WireType;

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

/// How a JSON value is named in messages.
fn describe(v: &Value) -> String {
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

/// `a, b, c`.
fn list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Violation {
    fn new(path: impl Into<String>, code: ViolationCode, message: String) -> Self {
        Self {
            path: path.into(),
            code,
            message,
        }
    }

    /// [`ViolationCode::NotAnObject`]: `got` where an object belongs.
    pub fn not_an_object(path: impl Into<String>, got: &Value) -> Self {
        let message = format!("expected an object, got {}", describe(got));
        Self::new(path, ViolationCode::NotAnObject, message)
    }

    /// [`ViolationCode::UnknownField`]: a key that is not one of `accepted`.
    pub fn unknown_field(path: impl Into<String>, key: &str, accepted: &[&str]) -> Self {
        let message = format!("unknown field `{key}`; accepted: {}", accepted.join(", "));
        Self::new(path, ViolationCode::UnknownField, message)
    }

    /// [`ViolationCode::UnknownField`]: a pricing parameter the model does not have.
    pub fn unknown_parameter(name: &str, slug: &str) -> Self {
        let message = format!("`{name}` is not a pricing parameter of {slug}");
        Self::new("", ViolationCode::UnknownField, message)
    }

    /// [`ViolationCode::MissingField`].
    pub fn missing_field(path: impl Into<String>, name: &str) -> Self {
        Self::new(
            path,
            ViolationCode::MissingField,
            format!("`{name}` is required"),
        )
    }

    /// [`ViolationCode::WrongType`]: `got` where a value of the wire type `expected` belongs,
    /// with a hint when `got` is the right value in the wrong encoding.
    pub fn wrong_type(path: impl Into<String>, expected: WireType, got: &Value) -> Self {
        let hint = match (expected, got) {
            (WireType::String, Value::Number(_) | Value::Bool(_)) => {
                format!(" (this API sends it as text: \"{got}\")")
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
        let article = if expected == WireType::Array {
            "an"
        } else {
            "a"
        };
        let message = format!(
            "expected {article} {}, got {}{hint}",
            expected.as_str(),
            describe(got)
        );
        Self::new(path, ViolationCode::WrongType, message)
    }

    /// [`ViolationCode::WrongType`]: a field whose descriptor does not say what it holds (only a
    /// descriptor that fails the checks has one).
    pub fn undescribed(path: impl Into<String>, name: &str) -> Self {
        let message = format!(
            "`{name}` cannot be checked: the model's descriptor does not say what it holds"
        );
        Self::new(path, ViolationCode::WrongType, message)
    }

    /// [`ViolationCode::NotAnOption`]: `value` is not among `options`.
    pub fn not_an_option<T: fmt::Display>(
        path: impl Into<String>,
        value: impl fmt::Display,
        options: impl IntoIterator<Item = T>,
    ) -> Self {
        let message = format!("`{value}` is not one of {}", list(options));
        Self::new(path, ViolationCode::NotAnOption, message)
    }

    /// [`ViolationCode::NotAnOption`]: a boolean sent as text that is neither `"true"` nor `"false"`.
    pub fn not_a_boolean(path: impl Into<String>, text: &str) -> Self {
        let message = format!("`{text}` is neither \"true\" nor \"false\"");
        Self::new(path, ViolationCode::NotAnOption, message)
    }

    /// [`ViolationCode::NotAnOption`]: a pricing parameter given a value it cannot take.
    pub fn not_a_parameter_option(name: &str, value: &str, options: &[String]) -> Self {
        let message = format!(
            "pricing parameter `{name}`: `{value}` is not one of {}",
            options.join(", ")
        );
        Self::new("", ViolationCode::NotAnOption, message)
    }

    /// [`ViolationCode::NotAnOption`]: a price that cannot be computed for the options given.
    pub fn unpriced(path: impl Into<String>, reason: &crate::pricing::PricingError) -> Self {
        Self::new(path, ViolationCode::NotAnOption, reason.to_string())
    }

    /// [`ViolationCode::TooLong`]: `len` characters where `max` are allowed.
    pub fn too_long(path: impl Into<String>, len: usize, max: usize) -> Self {
        let message = format!("{len} characters, at most {max} allowed");
        Self::new(path, ViolationCode::TooLong, message)
    }

    /// [`ViolationCode::OutOfRange`]: `value` outside the inclusive bounds.
    pub fn out_of_range(
        path: impl Into<String>,
        value: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Self {
        let range = match (min, max) {
            (Some(min), Some(max)) => format!("between {min} and {max}"),
            (Some(min), None) => format!("at least {min}"),
            (None, Some(max)) => format!("at most {max}"),
            (None, None) => String::new(),
        };
        Self::new(
            path,
            ViolationCode::OutOfRange,
            format!("{value} is not {range}"),
        )
    }

    /// [`ViolationCode::NotAnInteger`]: a number, or a text meant to hold one, that is not whole.
    pub fn not_an_integer(path: impl Into<String>, got: &Value) -> Self {
        let message = match got {
            Value::String(text) => format!("`{text}` is not a whole number"),
            other => format!("{other} is not a whole number"),
        };
        Self::new(path, ViolationCode::NotAnInteger, message)
    }

    /// [`ViolationCode::TooManyItems`].
    pub fn too_many_items(path: impl Into<String>, len: usize, max: usize) -> Self {
        let message = format!("at most {max} items, got {len}");
        Self::new(path, ViolationCode::TooManyItems, message)
    }

    /// [`ViolationCode::TooFewItems`].
    pub fn too_few_items(path: impl Into<String>, len: usize, min: usize) -> Self {
        let message = format!("at least {min} item(s), got {len}");
        Self::new(path, ViolationCode::TooFewItems, message)
    }

    /// [`ViolationCode::InvalidUrl`].
    pub fn invalid_url(path: impl Into<String>) -> Self {
        let message = "expected an absolute http(s) URL".to_string();
        Self::new(path, ViolationCode::InvalidUrl, message)
    }

    /// [`ViolationCode::RuleViolated`]: the rule `max_items_when_present`.
    pub fn max_items_when_present(
        path: impl Into<String>,
        len: usize,
        max: usize,
        when_present: &str,
    ) -> Self {
        let message = format!("at most {max} items when `{when_present}` is given, got {len}");
        Self::new(path, ViolationCode::RuleViolated, message)
    }

    /// [`ViolationCode::RuleViolated`]: the rule `item_sum_at_most`.
    pub fn item_sum_above_limit(
        path: impl Into<String>,
        sum: f64,
        limit: f64,
        item_field: &str,
        limit_field: &str,
    ) -> Self {
        let message = format!(
            "the `{item_field}` values add up to {sum}, more than `{limit_field}` ({limit})"
        );
        Self::new(path, ViolationCode::RuleViolated, message)
    }
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
