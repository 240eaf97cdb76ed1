//! The JSON Schema of a model's wire-format input, derived from its descriptor at run time
//! (what the API's model listing publishes as `inputSchema`).

use serde_json::{Map, Value, json};

use crate::model::{Descriptor, Field, Format, Items, ValueType, WireType};

impl Descriptor {
    /// The JSON Schema (2020-12) of this model's `input` object.
    ///
    /// ```
    /// # let text = include_str!("../tests/fixtures/valid/kling/demo/text-to-video.json");
    /// # let d = kling_descriptor::load::parse("demo.json".as_ref(), text).unwrap();
    /// let schema = d.input_json_schema();
    /// assert_eq!(schema["properties"]["duration"]["enum"], serde_json::json!(["5", "10"]));
    /// assert_eq!(schema["required"], serde_json::json!(["prompt"]));
    /// ```
    pub fn input_json_schema(&self) -> Value {
        let mut schema = object_schema(&self.fields);
        schema.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        schema.insert(
            "title".into(),
            json!(format!("{} — {}", self.model, self.capability)),
        );
        schema.insert("description".into(), json!(self.summary));
        Value::Object(schema)
    }
}

fn object_schema(fields: &[Field]) -> Map<String, Value> {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.clone(), field_schema(f)))
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), json!(required));
    }
    schema.insert("additionalProperties".into(), json!(false));
    schema
}

fn field_schema(f: &Field) -> Value {
    let mut s = Map::new();
    s.insert("description".into(), json!(f.description));
    match f.wire_type {
        WireType::Array => {
            s.insert("type".into(), json!("array"));
            if let Some(items) = f.items.as_deref() {
                s.insert("items".into(), items_schema(items));
            }
            if let Some(min) = f.min_items {
                s.insert("minItems".into(), json!(min));
            }
            if let Some(max) = f.max_items {
                s.insert("maxItems".into(), json!(max));
            }
        }
        WireType::Object => {
            s.extend(object_schema(&f.fields));
        }
        wire => {
            s.insert("type".into(), json!(wire.as_str()));
            let typed = |text: &str| match wire {
                WireType::Integer => text
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| json!(text)),
                WireType::Number => text
                    .parse::<f64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| json!(text)),
                _ => json!(text),
            };
            match (&f.options, f.value_type) {
                (Some(options), _) => {
                    s.insert(
                        "enum".into(),
                        Value::Array(options.iter().map(|o| typed(o)).collect()),
                    );
                }
                (None, Some(ValueType::Boolean)) => {
                    s.insert("enum".into(), json!(["false", "true"]));
                }
                (None, Some(ValueType::Integer)) => {
                    s.insert("pattern".into(), json!("^-?[0-9]+$"));
                }
                (None, None) => {}
            }
            if let Some(default) = &f.default {
                s.insert("default".into(), default.clone());
            }
            if let Some(max) = f.max_length {
                s.insert("maxLength".into(), json!(max));
            }
            if let Some(min) = f.minimum {
                s.insert("minimum".into(), json!(min));
            }
            if let Some(max) = f.maximum {
                s.insert("maximum".into(), json!(max));
            }
            if f.format == Some(Format::Url) {
                s.insert("format".into(), json!("uri"));
            }
        }
    }
    Value::Object(s)
}

fn items_schema(items: &Items) -> Value {
    match items.wire_type {
        WireType::Object => Value::Object(object_schema(&items.fields)),
        wire => {
            let mut s = Map::new();
            s.insert("type".into(), json!(wire.as_str()));
            if items.format == Some(Format::Url) {
                s.insert("format".into(), json!("uri"));
            }
            if let Some(max) = items.max_length {
                s.insert("maxLength".into(), json!(max));
            }
            Value::Object(s)
        }
    }
}
