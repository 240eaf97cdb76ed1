//! The text a browser copy of a rendered page gives: summary rows without separators
//! (`ProviderKling Plus`) and the fields of the curl template's `input` placeholders.

use kling_descriptor::model::WireType;
use serde_json::Value;

use super::page::{PageField, json_after, wire_of};

const PROPERTIES: [&str; 5] = [
    "Provider",
    "Model",
    "Capability",
    "Base Cost",
    "Processing Time",
];

/// A summary row whose key runs into its value (`Base Cost30,000 micro-cents/second`).
pub fn property(line: &str) -> Option<(&'static str, &str)> {
    PROPERTIES.iter().find_map(|key| {
        let rest = line.strip_prefix(key)?;
        (!rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with(':'))
            .then_some((*key, rest))
    })
}

/// The fields of the request template, typed from their placeholders.
pub fn fields(text: &str, review: &mut Vec<String>) -> Vec<PageField> {
    let Some(Value::Object(template)) = json_after(text, "\"input\"") else {
        return Vec::new();
    };
    let fields = template
        .iter()
        .map(|(name, placeholder)| PageField {
            name: name.clone(),
            wire: match placeholder {
                Value::String(s) => wire_of(s.trim_matches(['<', '>'])).or(Some(WireType::String)),
                Value::Bool(_) => Some(WireType::Boolean),
                Value::Number(_) => Some(WireType::Number),
                Value::Array(_) => Some(WireType::Array),
                Value::Object(_) => Some(WireType::Object),
                Value::Null => None,
            },
            ..PageField::default()
        })
        .collect();
    review.push("the rendered page shows no field descriptions: requiredness, defaults, limits and item shapes need checking".into());
    fields
}
