//! What a field's value is, resolved once from its attributes.
//!
//! A descriptor field is a bag of optional attributes (`type`, `value_type`, `format`, `options`,
//! limits, `items`, `fields`). [`Field::shape`] reads them into one [`Shape`], refusing the
//! combinations that mean nothing. The checks report those refusals; every other reader (the code
//! generator, dynamic validation, the JSON Schema, the CLI, the tests) matches on the shape instead
//! of reading the attributes again, so they cannot classify a field differently.

use crate::diagnostics::{Code, Pointer};
use crate::model::{Field, Format, Items, ValueType, WireType};

/// What a field (or an array item) holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape<'a> {
    /// Free text, a JSON string.
    Text {
        /// Longest accepted text, in characters.
        max_length: Option<u32>,
    },
    /// An absolute http(s) URL, a JSON string.
    Url {
        /// Longest accepted text, in characters.
        max_length: Option<u32>,
    },
    /// One of a closed set of text options (`"16:9"`, `"pro"`).
    TextOption(&'a [String]),
    /// One of a closed set of whole numbers.
    IntOption {
        /// The options and their numbers.
        options: Choices<'a, i64>,
        /// Sent as text (`"5"`) rather than as a JSON integer.
        as_text: bool,
    },
    /// A boolean sent as the text `"true"` or `"false"`; `Some` when options restrict it.
    BoolText(Option<Choices<'a, bool>>),
    /// A whole number sent as text (`"42"`).
    IntText,
    /// A JSON boolean.
    Bool,
    /// A JSON integer.
    Int(Bounds),
    /// A JSON number, possibly restricted to options.
    Number {
        /// Its inclusive bounds.
        bounds: Bounds,
        /// The accepted numbers, when the set is closed.
        options: Option<Choices<'a, f64>>,
    },
    /// A JSON array of items of one shape.
    Array {
        /// What each item holds.
        item: Box<Shape<'a>>,
        /// Fewest items.
        min_items: Option<u32>,
        /// Most items.
        max_items: Option<u32>,
    },
    /// A JSON object with these members.
    Object(&'a [Field]),
}

/// Inclusive bounds of a number.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    /// Smallest accepted value.
    pub minimum: Option<f64>,
    /// Largest accepted value.
    pub maximum: Option<f64>,
}

/// A closed set of options: the wire text of each, in published order, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Choices<'a, T> {
    /// The options as wire text.
    pub texts: &'a [String],
    /// The value of each option, in the same order.
    pub values: Vec<T>,
}

impl<T> Choices<'_, T> {
    /// Each option's text with its value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.texts.iter().map(String::as_str).zip(&self.values)
    }
}

/// Why a field has no shape: one problem, at a pointer relative to the field.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeProblem {
    /// Where, from the field (`/options/1`; empty for the field itself).
    pub at: Pointer,
    /// The kind of problem.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Shape<'_> {
    /// The JSON type the value has on the wire.
    pub fn wire_type(&self) -> WireType {
        match self {
            Shape::Text { .. }
            | Shape::Url { .. }
            | Shape::TextOption(_)
            | Shape::BoolText(_)
            | Shape::IntText
            | Shape::IntOption { as_text: true, .. } => WireType::String,
            Shape::IntOption { as_text: false, .. } | Shape::Int(_) => WireType::Integer,
            Shape::Bool => WireType::Boolean,
            Shape::Number { .. } => WireType::Number,
            Shape::Array { .. } => WireType::Array,
            Shape::Object(_) => WireType::Object,
        }
    }

    /// The options as wire text, when the field declares a closed set.
    pub fn options(&self) -> Option<&[String]> {
        match self {
            Shape::TextOption(texts) => Some(texts),
            Shape::IntOption { options, .. } => Some(options.texts),
            Shape::BoolText(Some(choices)) => Some(choices.texts),
            Shape::Number {
                options: Some(choices),
                ..
            } => Some(choices.texts),
            _ => None,
        }
    }

    /// Every value as text when the set is closed: the options, or `false`, `true` for a boolean.
    pub fn choices(&self) -> Option<Vec<String>> {
        match (self.options(), self) {
            (Some(options), _) => Some(options.to_vec()),
            (None, Shape::Bool | Shape::BoolText(None)) => {
                Some(vec!["false".into(), "true".into()])
            }
            _ => None,
        }
    }

    /// Whether users see the value as a number (`"5"` included).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Shape::IntOption { .. } | Shape::IntText | Shape::Int(_) | Shape::Number { .. }
        )
    }

    /// Why `text` cannot be a value of this shape, if it cannot (for options and defaults).
    pub fn text_problem(&self, text: &str) -> Option<&'static str> {
        match self {
            Shape::BoolText(_) => parse_bool(text).err(),
            Shape::IntOption { .. } | Shape::IntText | Shape::Int(_) => parse_int(text).err(),
            Shape::Number { .. } => parse_number(text).err(),
            _ => None,
        }
    }
}

fn parse_bool(text: &str) -> Result<bool, &'static str> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("is neither `true` nor `false`"),
    }
}

fn parse_int(text: &str) -> Result<i64, &'static str> {
    text.parse().map_err(|_| "is not a whole number")
}

fn parse_number(text: &str) -> Result<f64, &'static str> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err("is not a number"),
    }
}

impl Field {
    /// What this field holds, or every reason its attributes do not say.
    ///
    /// ```
    /// # let text = include_str!("../tests/fixtures/valid/kling/demo/text-to-video.json");
    /// # let d = kling_descriptor::load::parse("demo.json".as_ref(), text).unwrap();
    /// use kling_descriptor::shape::Shape;
    /// let duration = d.field("duration").unwrap().shape().unwrap();
    /// assert!(matches!(duration, Shape::IntOption { as_text: true, .. }));
    /// ```
    pub fn shape(&self) -> Result<Shape<'_>, Vec<ShapeProblem>> {
        let (shape, problems) = resolve(self);
        match shape {
            Some(shape) if problems.is_empty() => Ok(shape),
            _ => Err(problems),
        }
    }
}

struct Problems(Vec<ShapeProblem>);

impl Problems {
    fn push(&mut self, at: Pointer, code: Code, message: String, hint: impl Into<String>) {
        self.0.push(ShapeProblem {
            at,
            code,
            message,
            hint: hint.into(),
        });
    }
}

/// The shape as far as it can be told, and every problem of the field's own attributes (not of
/// its members). The checks use the partial shape to go on checking members.
pub(crate) fn resolve(f: &Field) -> (Option<Shape<'_>>, Vec<ShapeProblem>) {
    let mut problems = Problems(Vec::new());
    applicable(f, &mut problems);
    let bounds = Bounds {
        minimum: f.minimum,
        maximum: f.maximum,
    };
    let shape = match (f.wire_type, f.value_type, f.options.as_deref()) {
        (WireType::String, Some(ValueType::Boolean), options) => Some(Shape::BoolText(
            options.map(|o| choices(f, o, parse_bool, &mut problems)),
        )),
        (WireType::String, Some(ValueType::Integer), Some(o)) => Some(Shape::IntOption {
            options: choices(f, o, parse_int, &mut problems),
            as_text: true,
        }),
        (WireType::String, Some(ValueType::Integer), None) => Some(Shape::IntText),
        (WireType::String, None, Some(o)) => {
            choices(f, o, |_| Ok(()), &mut problems);
            Some(Shape::TextOption(o))
        }
        (WireType::String, None, None) if f.format == Some(Format::Url) => Some(Shape::Url {
            max_length: f.max_length,
        }),
        (WireType::String, None, None) => Some(Shape::Text {
            max_length: f.max_length,
        }),
        (WireType::Boolean, ..) => Some(Shape::Bool),
        (WireType::Integer, _, Some(o)) => Some(Shape::IntOption {
            options: choices(f, o, parse_int, &mut problems),
            as_text: false,
        }),
        (WireType::Integer, _, None) => Some(Shape::Int(bounds)),
        (WireType::Number, _, options) => Some(Shape::Number {
            bounds,
            options: options.map(|o| choices(f, o, parse_number, &mut problems)),
        }),
        (WireType::Array, ..) => array(f, &mut problems),
        (WireType::Object, ..) if f.fields.is_empty() => {
            problems.push(
                Pointer::root(),
                Code::NoMembers,
                format!("object field `{}` lists no members", f.name),
                "describe its members in `fields`",
            );
            None
        }
        (WireType::Object, ..) => Some(Shape::Object(&f.fields)),
    };
    if let Some(shape) = &shape {
        unused(f, shape, &mut problems);
    }
    (shape, problems.0)
}

/// Keys the wire type allows but the shape has no use for (a length on options, bounds on
/// integer options): refused rather than ignored.
fn unused(f: &Field, shape: &Shape<'_>, problems: &mut Problems) {
    let text = matches!(shape, Shape::Text { .. } | Shape::Url { .. });
    let bounded = matches!(shape, Shape::Int(_) | Shape::Number { .. });
    let string = f.wire_type == WireType::String;
    let number = matches!(f.wire_type, WireType::Integer | WireType::Number);
    // (present, key, allowed by the wire type, used by the shape); `applicable` reports the rest.
    for (present, key, allowed, used) in [
        (f.format.is_some(), "format", string, text),
        (f.max_length.is_some(), "max_length", string, text),
        (f.minimum.is_some(), "minimum", number, bounded),
        (f.maximum.is_some(), "maximum", number, bounded),
    ] {
        if present && allowed && !used {
            problems.push(
                Pointer::root().key(key),
                Code::KeyNotApplicable,
                format!("`{key}` does not apply to a field with options or a `value_type`"),
                "remove it; the options or the value type say what the value can be",
            );
        }
    }
}

/// The options with their values, reporting each that is not a value of the field's type.
fn choices<'a, T>(
    f: &Field,
    texts: &'a [String],
    parse: impl Fn(&str) -> Result<T, &'static str>,
    problems: &mut Problems,
) -> Choices<'a, T> {
    let at = Pointer::root().key("options");
    if texts.is_empty() {
        problems.push(
            at.clone(),
            Code::EmptyOptions,
            format!("`{}` has an empty list of options", f.name),
            "list the accepted values, or remove `options`",
        );
    }
    let mut values = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        match parse(text) {
            Ok(value) => values.push(value),
            Err(problem) => problems.push(
                at.index(i),
                Code::BadOption,
                format!("option `{text}` of `{}` {problem}", f.name),
                "options are wire text of the field's type",
            ),
        }
    }
    Choices { texts, values }
}

fn array<'a>(f: &'a Field, problems: &mut Problems) -> Option<Shape<'a>> {
    let Some(items) = f.items.as_deref() else {
        problems.push(
            Pointer::root(),
            Code::MissingItems,
            format!("array field `{}` does not say what its items are", f.name),
            "add `items`, e.g. {\"type\": \"string\", \"format\": \"url\"}",
        );
        return None;
    };
    let item = item(f, items, problems)?;
    Some(Shape::Array {
        item: Box::new(item),
        min_items: f.min_items,
        max_items: f.max_items,
    })
}

fn item<'a>(f: &Field, items: &'a Items, problems: &mut Problems) -> Option<Shape<'a>> {
    let at = Pointer::root().key("items");
    let wire = items.wire_type;
    for (present, key, allowed) in [
        (!items.fields.is_empty(), "fields", WireType::Object),
        (items.format.is_some(), "format", WireType::String),
        (items.max_length.is_some(), "max_length", WireType::String),
    ] {
        if present && wire != allowed && wire != WireType::Array {
            problems.push(
                at.key(key),
                Code::KeyNotApplicable,
                format!("`{key}` only applies to {} items", allowed.as_str()),
                "remove it, or change the type of the items",
            );
        }
    }
    match wire {
        WireType::Array => {
            problems.push(
                at.key("type"),
                Code::NestedArray,
                "arrays of arrays are not supported".into(),
                "wrap the inner array in an object item",
            );
            None
        }
        WireType::Object if items.fields.is_empty() => {
            problems.push(
                at,
                Code::NoMembers,
                format!("the items of `{}` are objects but list no members", f.name),
                "describe the members in `fields`",
            );
            None
        }
        WireType::Object => Some(Shape::Object(&items.fields)),
        WireType::String if items.format == Some(Format::Url) => Some(Shape::Url {
            max_length: items.max_length,
        }),
        WireType::String => Some(Shape::Text {
            max_length: items.max_length,
        }),
        WireType::Boolean => Some(Shape::Bool),
        WireType::Integer => Some(Shape::Int(Bounds::default())),
        WireType::Number => Some(Shape::Number {
            bounds: Bounds::default(),
            options: None,
        }),
    }
}

/// Keys that only mean something for some wire types.
fn applicable(f: &Field, problems: &mut Problems) {
    use WireType::{Array, Integer, Number, Object, String};
    let keys: [(bool, &str, &[WireType]); 10] = [
        (f.value_type.is_some(), "value_type", &[String]),
        (f.format.is_some(), "format", &[String]),
        (f.options.is_some(), "options", &[String, Integer, Number]),
        (f.max_length.is_some(), "max_length", &[String]),
        (f.minimum.is_some(), "minimum", &[Integer, Number]),
        (f.maximum.is_some(), "maximum", &[Integer, Number]),
        (f.min_items.is_some(), "min_items", &[Array]),
        (f.max_items.is_some(), "max_items", &[Array]),
        (f.items.is_some(), "items", &[Array]),
        (!f.fields.is_empty(), "fields", &[Object]),
    ];
    for (present, key, allowed) in keys {
        if present && !allowed.contains(&f.wire_type) {
            let names: Vec<&str> = allowed.iter().map(|w| w.as_str()).collect();
            problems.push(
                Pointer::root().key(key),
                Code::KeyNotApplicable,
                format!(
                    "`{key}` does not apply to a field of type {}",
                    f.wire_type.as_str()
                ),
                format!("`{key}` is for {} fields", names.join(", ")),
            );
        }
    }
}
