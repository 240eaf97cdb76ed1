//! Values whose wire form differs from their Rust type: PixelByte sends many booleans and integers
//! as JSON strings (`"has_sound": "true"`, `"duration": "5"`). `#[derive(Wire)]` reads and writes
//! such fields through these wrappers, and takes their JSON Schema from them.

use std::borrow::Cow;

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `bool` sent as `"true"` / `"false"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoolString(pub bool);

/// A whole number sent as a string (`"42"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntString(pub i64);

impl Serialize for BoolString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0 { "true" } else { "false" })
    }
}

impl<'de> Deserialize<'de> for BoolString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Cow::<str>::deserialize(deserializer)?.as_ref() {
            "true" => Ok(Self(true)),
            "false" => Ok(Self(false)),
            other => Err(D::Error::invalid_value(
                Unexpected::Str(other),
                &"\"true\" or \"false\"",
            )),
        }
    }
}

impl Serialize for IntString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IntString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map(Self).map_err(|_| {
            D::Error::invalid_value(
                Unexpected::Str(&text),
                &"a whole number written as a string",
            )
        })
    }
}

impl From<BoolString> for bool {
    fn from(value: BoolString) -> bool {
        value.0
    }
}

impl From<BoolString> for Option<bool> {
    fn from(value: BoolString) -> Option<bool> {
        Some(value.0)
    }
}

impl From<IntString> for i64 {
    fn from(value: IntString) -> i64 {
        value.0
    }
}

impl From<IntString> for Option<i64> {
    fn from(value: IntString) -> Option<i64> {
        Some(value.0)
    }
}

impl schemars::JsonSchema for BoolString {
    fn schema_name() -> Cow<'static, str> {
        "BoolString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "enum": ["false", "true"] })
    }
}

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
    use super::*;

    #[test]
    fn strings_round_trip() {
        let flag: BoolString = serde_json::from_value(serde_json::json!("true")).unwrap();
        assert_eq!(flag, BoolString(true));
        assert_eq!(serde_json::to_value(flag).unwrap(), "true");
        let count: IntString = serde_json::from_value(serde_json::json!("-42")).unwrap();
        assert_eq!(count, IntString(-42));
        assert_eq!(serde_json::to_value(count).unwrap(), "-42");
    }

    #[test]
    fn wrong_encodings_are_refused() {
        for bad in [
            serde_json::json!(true),
            serde_json::json!("yes"),
            serde_json::json!(null),
        ] {
            assert!(
                serde_json::from_value::<BoolString>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        for bad in [
            serde_json::json!(4),
            serde_json::json!("4.5"),
            serde_json::json!(null),
        ] {
            assert!(
                serde_json::from_value::<IntString>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
