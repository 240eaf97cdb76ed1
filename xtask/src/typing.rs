//! How text from a page or a flag becomes descriptor values: typed options and defaults, and labels
//! from names (one place for the importer and the scaffold).

use kling_descriptor::model::{ValueType, WireType};
use serde_json::Value;

/// How users see a string field whose options are all `true`/`false` or all whole numbers.
pub fn value_type_of(options: &[String], wire: WireType) -> Option<ValueType> {
    if wire != WireType::String {
        return None;
    }
    if options.len() == 2 && options.iter().all(|x| x == "true" || x == "false") {
        Some(ValueType::Boolean)
    } else if options.iter().all(|x| x.parse::<i64>().is_ok()) {
        Some(ValueType::Integer)
    } else {
        None
    }
}

/// A default written as text, in the field's wire form (text that does not fit stays a string,
/// for the checks to report).
pub fn wire_value(wire: WireType, text: &str) -> Value {
    let fallback = || Value::String(text.to_string());
    match wire {
        WireType::Boolean => Value::Bool(text == "true"),
        WireType::Integer => text.parse::<i64>().map_or_else(|_| fallback(), Value::from),
        WireType::Number => text.parse::<f64>().map_or_else(|_| fallback(), Value::from),
        _ => fallback(),
    }
}

/// Each word capitalised, words split at `separator` and joined by spaces (`has_sound` → `Has Sound`).
pub fn title_case(name: &str, separator: char) -> String {
    name.split(separator)
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
