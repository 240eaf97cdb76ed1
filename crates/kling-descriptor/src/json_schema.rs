//! The JSON Schema of a model's wire-format input, derived from its descriptor at run time
//! (what the API's model listing publishes as `inputSchema`).

use serde_json::{Map, Value, json};

use crate::model::{Descriptor, Field};
use crate::shape::Shape;

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
    // A field without a shape fails the checks; its schema says only what it is for.
    if let Ok(shape) = f.shape() {
        s.extend(shape_schema(&shape, f.default.as_ref()));
    }
    Value::Object(s)
}

fn shape_schema(shape: &Shape<'_>, default: Option<&Value>) -> Map<String, Value> {
    let mut s = Map::new();
    match shape {
        Shape::Array {
            item,
            min_items,
            max_items,
        } => {
            s.insert("type".into(), json!("array"));
            s.insert("items".into(), Value::Object(shape_schema(item, None)));
            if let Some(min) = min_items {
                s.insert("minItems".into(), json!(min));
            }
            if let Some(max) = max_items {
                s.insert("maxItems".into(), json!(max));
            }
            return s;
        }
        Shape::Object(fields) => return object_schema(fields),
        _ => {}
    }
    s.insert("type".into(), json!(shape.wire_type().as_str()));
    let options: Option<Vec<Value>> = match shape {
        Shape::IntOption {
            options,
            as_text: false,
        } => Some(options.values.iter().map(|n| json!(n)).collect()),
        Shape::Number {
            options: Some(options),
            ..
        } => Some(options.values.iter().map(|n| json!(n)).collect()),
        Shape::BoolText(None) => Some(vec![json!("false"), json!("true")]),
        other => other
            .options()
            .map(|texts| texts.iter().map(|t| json!(t)).collect()),
    };
    if let Some(options) = options {
        s.insert("enum".into(), Value::Array(options));
    }
    if let Shape::IntText = shape {
        s.insert("pattern".into(), json!("^-?[0-9]+$"));
    }
    if let Some(default) = default {
        s.insert("default".into(), default.clone());
    }
    match shape {
        Shape::Text { max_length } | Shape::Url { max_length } => {
            if let Some(max) = max_length {
                s.insert("maxLength".into(), json!(max));
            }
        }
        Shape::Int(bounds) | Shape::Number { bounds, .. } => {
            if let Some(min) = bounds.minimum {
                s.insert("minimum".into(), json!(min));
            }
            if let Some(max) = bounds.maximum {
                s.insert("maximum".into(), json!(max));
            }
        }
        _ => {}
    }
    if matches!(shape, Shape::Url { .. }) {
        s.insert("format".into(), json!("uri"));
    }
    s
}
