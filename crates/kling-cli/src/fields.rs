//! `field=value` arguments, read against a model's fields.

use kling_descriptor::Descriptor;
use kling_descriptor::model::{Field, WireType};
use kling_descriptor::shape::Shape;
use serde_json::{Map, Value};

use kling_descriptor::naming::nearest;

/// One problem with the arguments, for people (its `Display`) and programs (its field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The top-level field it is about, when it is about one.
    pub field: Option<String>,
    /// What is wrong, naming the field.
    pub message: String,
}

impl Problem {
    fn about(field: &str, message: String) -> Self {
        Problem {
            field: Some(field.to_string()),
            message,
        }
    }
}

/// The top-level input field a JSON pointer (`/images/3`) is in.
pub fn field_of(pointer: &str) -> Option<String> {
    pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|f| !f.is_empty())
        .map(|f| f.replace("~1", "/").replace("~0", "~"))
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The wire value of `text` for a value of `shape` (the whole field, or one array item).
fn scalar(field: &Field, shape: &Shape<'_>, text: &str) -> Result<Value, String> {
    let name = &field.name;
    match shape.wire_type() {
        WireType::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{name}: `{text}` is not true or false")),
        },
        WireType::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{name}: `{text}` is not a whole number")),
        WireType::Number => match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::from(n)),
            _ => Err(format!("{name}: `{text}` is not a number")),
        },
        WireType::Array | WireType::Object => {
            serde_json::from_str(text).map_err(|e| format!("{name}: `{text}` is not JSON ({e})"))
        }
        WireType::String => Ok(Value::String(text.to_string())),
    }
}

/// Builds the wire-format input from an optional base object and `field=value` arguments, then
/// checks it against the descriptor. Every problem is returned, each naming its field.
pub fn build_input(
    d: &Descriptor,
    base: Option<Value>,
    args: &[String],
) -> Result<Value, Vec<Problem>> {
    let input = Value::Object(assemble(&d.fields, base, args, false)?);
    let violations = kling_descriptor::input::validate_input(d, &input);
    if violations.is_empty() {
        Ok(input)
    } else {
        Err(violations
            .iter()
            .map(|v| {
                let at = v.path.trim_start_matches('/');
                Problem {
                    field: field_of(&v.path),
                    message: if at.is_empty() {
                        v.message.clone()
                    } else {
                        format!("{at}: {}", v.message)
                    },
                }
            })
            .collect())
    }
}

/// Builds the input of an unchecked submit, checking nothing: a field the model's descriptor
/// lists (when the model is known) takes its wire type where the text fits it; any other value
/// is JSON when it reads as JSON (`5`, `true`, `[…]`, `{…}`, `"…"`) and text otherwise.
pub fn build_unchecked_input(
    d: Option<&Descriptor>,
    base: Option<Value>,
    args: &[String],
) -> Result<Value, Vec<Problem>> {
    let fields = d.map_or(&[][..], |d| &d.fields[..]);
    assemble(fields, base, args, true).map(Value::Object)
}

/// A value of a field no descriptor types: JSON when it reads as JSON, text otherwise.
fn guessed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// The base object with each `field=value` set in it. Checked, an unknown field or a value of
/// the wrong type is a problem; unchecked, either is read as [`guessed`].
fn assemble(
    fields: &[Field],
    base: Option<Value>,
    args: &[String],
    unchecked: bool,
) -> Result<Map<String, Value>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut input = match base {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(vec![Problem {
                field: None,
                message: "--input must hold a JSON object".into(),
            }]);
        }
    };
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    for arg in args {
        let Some((name, text)) = arg.split_once('=') else {
            problems.push(Problem {
                field: None,
                message: format!("`{arg}` is not field=value (fields: {})", names.join(", ")),
            });
            continue;
        };
        let Some(field) = fields.iter().find(|f| f.name == name) else {
            if unchecked {
                input.insert(name.to_string(), guessed(text));
                continue;
            }
            let hint = match nearest(name, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("fields: {}", names.join(", ")),
            };
            problems.push(Problem::about(
                name,
                format!("unknown field `{name}`; {hint}"),
            ));
            continue;
        };
        let value = match field.shape() {
            Err(_) => Err(format!(
                "{name}: the model's descriptor does not say what it holds"
            )),
            // A plain value adds one item; repeat the field for more.
            Ok(Shape::Array { item, .. }) if !text.trim_start().starts_with('[') => {
                scalar(field, &item, text).map(|item| {
                    let mut items = match input.remove(name) {
                        Some(Value::Array(items)) => items,
                        _ => Vec::new(),
                    };
                    items.push(item);
                    Value::Array(items)
                })
            }
            Ok(shape) => scalar(field, &shape, text),
        };
        match value {
            Ok(value) => {
                input.insert(name.to_string(), value);
            }
            Err(_) if unchecked => {
                input.insert(name.to_string(), guessed(text));
            }
            Err(e) => problems.push(Problem::about(name, e)),
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor() -> Descriptor {
        kling_sandbox::embedded_catalog()
            .unwrap()
            .remove("kling-plus/kling-o3-standard/reference-to-video")
            .unwrap()
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_pointer_names_its_top_level_field() {
        assert_eq!(field_of("/images/3").as_deref(), Some("images"));
        assert_eq!(field_of("/duration").as_deref(), Some("duration"));
        assert_eq!(field_of("/a~1b").as_deref(), Some("a/b"));
        assert_eq!(field_of(""), None);
    }

    #[test]
    fn values_take_the_wire_type_of_their_field() {
        let input = build_input(
            &descriptor(),
            None,
            &args(&[
                "prompt=a kite",
                "duration=8",
                "has_sound=true",
                "keep_original_sound=false",
                "images=https://e.com/a.png",
                "images=https://e.com/b.png",
            ]),
        )
        .unwrap();
        assert_eq!(
            input,
            serde_json::json!({"prompt": "a kite", "duration": "8", "has_sound": "true", "keep_original_sound": false, "images": ["https://e.com/a.png", "https://e.com/b.png"]})
        );
    }

    #[test]
    fn errors_name_the_field_and_what_is_allowed() {
        let problems = build_input(
            &descriptor(),
            None,
            &args(&[
                "duration=2",
                "durtion=5",
                "keep_original_sound=yes",
                "nonsense",
            ]),
        )
        .unwrap_err();
        assert_eq!(
            problems[0],
            Problem::about(
                "durtion",
                "unknown field `durtion`; did you mean `duration`?".into()
            )
        );
        assert_eq!(
            problems[1],
            Problem::about(
                "keep_original_sound",
                "keep_original_sound: `yes` is not true or false".into()
            )
        );
        assert!(
            problems[2]
                .message
                .starts_with("`nonsense` is not field=value")
        );
        assert_eq!(problems[2].field, None);
        let problems = build_input(&descriptor(), None, &args(&["duration=2"])).unwrap_err();
        assert_eq!(
            problems,
            [Problem::about(
                "duration",
                "duration: `2` is not one of 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15".into()
            )]
        );
    }

    #[test]
    fn unchecked_values_keep_known_wire_types_and_guess_the_rest() {
        let d = descriptor();
        let input = build_unchecked_input(
            Some(&d),
            Some(serde_json::json!({"prompt": "from the file"})),
            &args(&[
                "duration=20",
                "has_sound=maybe",
                "images=https://e.com/a.png",
                "camera={\"zoom\": 2}",
                "seed=7",
                "style=noir",
            ]),
        )
        .unwrap();
        assert_eq!(
            input,
            serde_json::json!({
                "prompt": "from the file", "duration": "20", "has_sound": "maybe",
                "images": ["https://e.com/a.png"], "camera": {"zoom": 2}, "seed": 7, "style": "noir"
            })
        );
        let unknown = build_unchecked_input(None, None, &args(&["duration=20"])).unwrap();
        assert_eq!(unknown, serde_json::json!({"duration": 20}));
        let problems = build_unchecked_input(None, None, &args(&["nonsense"])).unwrap_err();
        assert!(
            problems[0]
                .message
                .starts_with("`nonsense` is not field=value")
        );
    }
}
