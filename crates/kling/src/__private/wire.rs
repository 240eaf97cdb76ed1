//! Serde helpers for values whose wire type differs from their Rust type: PixelByte sends many
//! booleans and integers as JSON strings (`"has_sound": "true"`, `"duration": "5"`).

use std::borrow::Cow;

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer, Serializer};

fn parse_bool<E: Error>(text: &str) -> Result<bool, E> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(E::invalid_value(
            Unexpected::Str(other),
            &"\"true\" or \"false\"",
        )),
    }
}

fn parse_int<E: Error>(text: &str) -> Result<i64, E> {
    text.parse()
        .map_err(|_| E::invalid_value(Unexpected::Str(text), &"a whole number written as a string"))
}

/// A `bool` sent as `"true"` / `"false"`.
pub mod bool_string {
    use super::*;

    /// Writes `"true"` or `"false"`.
    pub fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if *value { "true" } else { "false" })
    }

    /// Reads `"true"` or `"false"`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        parse_bool(&Cow::<str>::deserialize(deserializer)?)
    }
}

/// An optional `bool` sent as `"true"` / `"false"` (use with `#[serde(default)]`).
pub mod option_bool_string {
    use super::*;

    /// Writes `"true"` or `"false"`; `None` is skipped by the field's `skip_serializing_if`.
    pub fn serialize<S: Serializer>(
        value: &Option<bool>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::bool_string::serialize(v, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `"true"` or `"false"`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<bool>, D::Error> {
        super::bool_string::deserialize(deserializer).map(Some)
    }
}

/// An `i64` sent as a string (`"42"`).
pub mod int_string {
    use super::*;

    /// Writes the number as a string.
    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a whole number written as a string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        parse_int(&Cow::<str>::deserialize(deserializer)?)
    }
}

/// An optional `i64` sent as a string (use with `#[serde(default)]`).
pub mod option_int_string {
    use super::*;

    /// Writes the number as a string; `None` is skipped by the field's `skip_serializing_if`.
    pub fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.collect_str(v),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a whole number written as a string.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        super::int_string::deserialize(deserializer).map(Some)
    }
}

/// Deserializes `T` only from a JSON object (serde's derive would also take an array).
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

impl<T> Object<T> {
    /// The deserialized value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// `deserialize_with` for a struct-typed field: only a JSON object is accepted.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    Object::<T>::deserialize(deserializer).map(|o| o.0)
}

/// `deserialize_with` for an optional struct-typed field (use with `#[serde(default)]`).
pub fn option_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    object(deserializer).map(Some)
}

/// `deserialize_with` for a list of structs: every item must be a JSON object.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Vec::<Object<T>>::deserialize(deserializer)
        .map(|items| items.into_iter().map(|o| o.0).collect())
}

/// `deserialize_with` for an optional list of structs (use with `#[serde(default)]`).
pub fn option_objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    objects(deserializer).map(Some)
}

/// The JSON Schema of a boolean sent as a string.
pub struct BoolString;

impl schemars::JsonSchema for BoolString {
    fn schema_name() -> Cow<'static, str> {
        "BoolString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "enum": ["false", "true"] })
    }
}

/// The JSON Schema of a whole number sent as a string.
pub struct IntString;

impl schemars::JsonSchema for IntString {
    fn schema_name() -> Cow<'static, str> {
        "IntString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^-?[0-9]+$" })
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(with = "super::bool_string")]
        flag: bool,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::option_int_string"
        )]
        count: Option<i64>,
    }

    #[test]
    fn strings_round_trip() {
        let json = serde_json::json!({"flag": "true", "count": "42"});
        let probe: Probe = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            probe,
            Probe {
                flag: true,
                count: Some(42)
            }
        );
        assert_eq!(serde_json::to_value(&probe).unwrap(), json);
        let probe: Probe = serde_json::from_value(serde_json::json!({"flag": "false"})).unwrap();
        assert_eq!(probe.count, None);
    }

    #[test]
    fn wrong_encodings_are_refused() {
        for bad in [
            serde_json::json!({"flag": true}),
            serde_json::json!({"flag": "yes"}),
            serde_json::json!({"flag": "true", "count": 4}),
            serde_json::json!({"flag": "true", "count": "4.5"}),
            serde_json::json!({"flag": "true", "count": null}),
        ] {
            assert!(
                serde_json::from_value::<Probe>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
