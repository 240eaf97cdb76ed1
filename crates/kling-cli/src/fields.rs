//! `field=value` arguments, read against a model's fields.

use kling_descriptor::Descriptor;
use kling_descriptor::model::{Field, WireType};
use kling_descriptor::shape::Shape;
use serde_json::{Map, Value};

use crate::nearest::nearest;

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
) -> Result<Value, Vec<String>> {
    let mut problems = Vec::new();
    let mut input = match base {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(vec!["--input must hold a JSON object".into()]),
    };
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    for arg in args {
        let Some((name, text)) = arg.split_once('=') else {
            problems.push(format!(
                "`{arg}` is not field=value (fields: {})",
                names.join(", ")
            ));
            continue;
        };
        let Some(field) = d.field(name) else {
            let hint = match nearest(name, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("fields: {}", names.join(", ")),
            };
            problems.push(format!("unknown field `{name}`; {hint}"));
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
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let input = Value::Object(input);
    let violations = kling_descriptor::input::validate_input(d, &input);
    if violations.is_empty() {
        Ok(input)
    } else {
        Err(violations
            .iter()
            .map(|v| {
                let at = v.path.trim_start_matches('/');
                if at.is_empty() {
                    v.message.clone()
                } else {
                    format!("{at}: {}", v.message)
                }
            })
            .collect())
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
            "unknown field `durtion`; did you mean `duration`?"
        );
        assert_eq!(
            problems[1],
            "keep_original_sound: `yes` is not true or false"
        );
        assert!(problems[2].starts_with("`nonsense` is not field=value"));
        let problems = build_input(&descriptor(), None, &args(&["duration=2"])).unwrap_err();
        assert_eq!(
            problems,
            ["duration: `2` is not one of 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15"]
        );
    }
}
