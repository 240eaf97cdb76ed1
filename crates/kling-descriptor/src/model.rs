//! The descriptor format: one JSON document per model slug.
//!
//! The Rust types here *are* the format: `schemas/descriptor.schema.json` is generated from them
//! with schemars (`cargo xtask schema`), and `cargo xtask check` fails when it is stale.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{MicroCents, Multiplier};

/// One model of the catalog: identity, inputs, cross-field rules and pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Kling model descriptor")]
pub struct Descriptor {
    /// Relative path from this file to `schemas/descriptor.schema.json`, for editors.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// The model slug `provider/model/capability`; it must match the file's path under `schemas/`.
    pub slug: String,
    /// Provider name as published, e.g. `Kling Plus`.
    pub provider: String,
    /// Model name as published, e.g. `Kling O3 Standard`.
    pub model: String,
    /// Capability as published, e.g. `Reference to Video`.
    pub capability: String,
    /// One line, in our own words, saying what the model does.
    pub summary: String,
    /// Typical processing time the model page states, in seconds.
    pub processing_time_seconds: u32,
    /// Address of the model's documentation page.
    pub docs_url: String,
    /// The input fields, in the order the page lists them.
    pub fields: Vec<Field>,
    /// Rules that involve more than one field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// How a job of this model is priced.
    pub pricing: Pricing,
    /// Decisions and published inconsistencies worth knowing, in our own words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// An input field as it travels in the job's `input` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Wire name, exactly as the API expects it.
    pub name: String,
    /// What the field does, in our own words.
    pub description: String,
    /// Overrides the generated Rust name (`snake_case`) when two wire names would collide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// The JSON type the API expects on the wire.
    #[serde(rename = "type")]
    pub wire_type: WireType,
    /// How users see a value whose wire type differs (`"5"` is an integer, `"true"` a boolean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<ValueType>,
    /// Extra meaning of a string value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Whether the page marks the field required.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// The server-side default, in wire form (`"5"`, `true`, `0.5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// The closed set of accepted values, as wire text (`"16:9"`, `"5"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Unit of a numeric value, for display and naming (`seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Longest accepted string, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Smallest accepted number (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// Largest accepted number (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// Fewest items of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u32>,
    /// Most items of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// The shape of each item of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Items>>,
    /// The members of an object value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

/// The shape of the items of an array field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Items {
    /// The JSON type of each item.
    #[serde(rename = "type")]
    pub wire_type: WireType,
    /// Extra meaning of a string item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Longest accepted string item, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// The members of each object item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

/// JSON types a value can have on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireType {
    /// A JSON string.
    String,
    /// A JSON `true`/`false`.
    Boolean,
    /// A JSON number without a fractional part.
    Integer,
    /// Any JSON number.
    Number,
    /// A JSON array.
    Array,
    /// A JSON object.
    Object,
}

impl WireType {
    /// The name used in descriptors and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Array => "array",
            Self::Object => "object",
        }
    }
}

/// How users see a string-encoded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// `"true"` / `"false"` on the wire, a `bool` to users.
    Boolean,
    /// Whole numbers written as strings (`"5"`).
    Integer,
}

/// Extra meaning of a string value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// An absolute `http(s)` URL, typically of an uploaded image, video or audio file.
    Url,
}

/// A rule across fields, checked when an input is validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// The `array` field holds at most `max_items` items when `when_present` is given.
    MaxItemsWhenPresent {
        /// The array field that is limited.
        array: String,
        /// The field whose presence tightens the limit.
        when_present: String,
        /// The tighter limit.
        max_items: u32,
    },
    /// The numbers in `item_field` of the `array` items add up to at most the value of `limit_field`
    /// (its default when absent).
    ItemSumAtMost {
        /// The array of objects.
        array: String,
        /// The numeric member of each item.
        item_field: String,
        /// The top-level numeric field that bounds the sum.
        limit_field: String,
    },
}

/// How a job is priced: `base × multiplier(factor₁) × multiplier(factor₂) …`, or flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// The base price in micro-cents (1,000,000 = 1 US dollar).
    pub base_micro_cents: MicroCents,
    /// The unit the page states for the base price, as published (`per second`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_unit_stated: Option<String>,
    /// The formula line as published, for reference.
    pub formula: String,
    /// A flat price: the base is charged once per job and there are no factors.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flat: bool,
    /// The multiplying factors, in the order of the published formula.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<Factor>,
    /// Values that decide the price but are not sent with the input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<PricingParameter>,
    /// The page's worked example, used as a self-check.
    pub documented: DocumentedCost,
}

/// One factor of the price: a field (or pricing parameter) and a multiplier per option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// The field or pricing parameter the factor reads.
    pub field: String,
    /// The factor's label in the published table (`Duration`, `Sound`).
    pub label: String,
    /// Multiplier per option, keyed by the option's wire text.
    pub multipliers: MultiplierTable,
}

/// A value that decides the price but is not part of the input sent to the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingParameter {
    /// Name used by factors and when quoting.
    pub name: String,
    /// What decides the value, in our own words.
    pub description: String,
    /// The values it can take.
    pub options: Vec<String>,
    /// The value assumed when the caller states none.
    pub default: String,
}

/// The default cost a page documents, with the option values its worked example assumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentedCost {
    /// The documented amount in micro-cents.
    pub micro_cents: MicroCents,
    /// Option values the example uses, by factor field; factors not listed take their default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub assumes: BTreeMap<String, String>,
}

/// A recorded decision or published inconsistency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// What the note is about.
    pub topic: NoteTopic,
    /// The note itself, in our own words.
    pub text: String,
}

/// What a [`Note`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteTopic {
    /// Price, factors or the documented cost.
    Pricing,
    /// Field names, types, defaults or requiredness.
    Fields,
    /// Where the facts come from, or how pages disagree.
    Source,
}

impl NoteTopic {
    /// The name used in descriptors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pricing => "pricing",
            Self::Fields => "fields",
            Self::Source => "source",
        }
    }
}

/// Multipliers per option, kept in published order; written as a JSON object whose keys must be unique.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiplierTable(pub Vec<(String, Multiplier)>);

impl MultiplierTable {
    /// The multiplier of an option, if listed.
    pub fn get(&self, option: &str) -> Option<Multiplier> {
        self.0.iter().find(|(k, _)| k == option).map(|(_, m)| *m)
    }

    /// The options listed, in order.
    pub fn options(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl Serialize for MultiplierTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for MultiplierTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;
        impl<'de> Visitor<'de> for TableVisitor {
            type Value = MultiplierTable;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object mapping each option to a decimal multiplier string")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, Multiplier)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Multiplier>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!(
                            "option `{key}` is listed twice"
                        )));
                    }
                    entries.push((key, value));
                }
                Ok(MultiplierTable(entries))
            }
        }
        deserializer.deserialize_map(TableVisitor)
    }
}

impl JsonSchema for MultiplierTable {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MultiplierTable".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let multiplier = generator.subschema_for::<Multiplier>();
        schemars::json_schema!({
            "description": "Multiplier per option, keyed by the option's wire text.",
            "type": "object",
            "additionalProperties": multiplier
        })
    }
}

impl Descriptor {
    /// The field with this wire name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The pricing parameter with this name.
    pub fn parameter(&self, name: &str) -> Option<&PricingParameter> {
        self.pricing.parameters.iter().find(|p| p.name == name)
    }
}

impl Field {
    /// The Rust name of this field: `rust_name` when set, else derived by [`crate::naming::field_ident`].
    pub fn rust_ident(&self) -> String {
        match &self.rust_name {
            Some(name) => crate::naming::field_ident(name),
            None => crate::naming::field_ident(&self.name),
        }
    }

    /// The default as option text (`"5"`, `"true"`), when there is one.
    pub fn default_text(&self) -> Option<String> {
        self.default.as_ref().map(wire_text)
    }
}

/// The text of a scalar wire value as used for options and multiplier keys:
/// a string's contents, or the JSON text of anything else.
pub fn wire_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
