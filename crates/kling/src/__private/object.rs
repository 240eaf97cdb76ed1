//! What `#[derive(Wire)]` builds the serde and JSON Schema impls of generated structs from: a
//! visitor that reads a JSON object field by field, and an object schema from a property table.
//! Written once here and generic, so each generated struct adds only a small table of its own.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use schemars::{Schema, SchemaGenerator};
use serde::de::{DeserializeSeed, Error, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A generated struct read from a JSON object, by the position of each key in `FIELDS`.
pub trait Object: Sized {
    /// The wire names of the fields, in declaration order.
    const FIELDS: &'static [&'static str];
    /// The fields read so far, each an `Option` of its value.
    type Partial;

    /// Nothing read yet.
    fn partial() -> Self::Partial;

    /// Reads the value of field `index` (a position in `FIELDS`).
    fn read<'de, A: MapAccess<'de>>(
        partial: &mut Self::Partial,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// The struct, or the first required field that is missing.
    fn finish<E: Error>(partial: Self::Partial) -> Result<Self, E>;
}

/// `Deserialize` of an [`Object`]: only from a JSON object (serde's derive would also take an
/// array), refusing unknown and repeated keys.
pub fn deserialize<'de, T: Object, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut partial = T::partial();
        while let Some(index) = map.next_key_seed(FieldIndex(T::FIELDS))? {
            T::read(&mut partial, index, &mut map)?;
        }
        T::finish(partial)
    }
}

/// Reads a key as the position of a field, refusing unknown keys while the key is read (so the
/// error's path names the key, as with serde's derive).
struct FieldIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldIndex {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: Error>(self, key: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|f| *f == key)
            .ok_or_else(|| E::unknown_field(key, self.0))
    }
}

/// Reads a field's value into its slot, refusing a key given twice. `W` is its wire form: the
/// field's type, or a wrapper for a boolean written as text or a struct that may not be `null`.
pub fn read<'de, W: Deserialize<'de> + Into<T>, T, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value::<W>()?.into());
    Ok(())
}

/// The value of a required field, or `missing field`.
pub fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// One property of an object schema: wire name, title, description, whether it may be left
/// out, and its schema.
pub type Property = (&'static str, &'static str, &'static str, bool, SchemaFn);

/// A function giving the schema of one type.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The JSON Schema of a generated struct, built as schemars' own derive builds it (so the
/// published schemas do not change): a closed object, each property with its doc text.
pub fn schema(
    generator: &mut SchemaGenerator,
    title: &str,
    description: &str,
    properties: &[Property],
) -> Schema {
    let mut schema = schemars::json_schema!({ "type": "object", "additionalProperties": false });
    for (name, property_title, property_description, optional, subschema) in properties {
        let mut sub = subschema(generator);
        insert_text(&mut sub, "title", property_title);
        insert_text(&mut sub, "description", property_description);
        let object = schema.ensure_object();
        if let Some(map) = object
            .entry("properties")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()))
            .as_object_mut()
        {
            map.insert((*name).to_string(), sub.into());
        }
        if !optional
            && let Some(list) = object
                .entry("required")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                .as_array_mut()
        {
            list.push((*name).into());
        }
    }
    insert_text(&mut schema, "title", title);
    insert_text(&mut schema, "description", description);
    schema
}

/// The schema of an optional field, `Option<T>`, from the schema of `T`: what
/// `subschema_for::<Option<T>>()` gives, without instantiating schemars' generic machinery again
/// for every `Option<T>` (about 500 lines of LLVM IR each, a few hundred per model).
pub fn nullable(
    generator: &mut SchemaGenerator,
    inner: fn(&mut SchemaGenerator) -> Schema,
) -> Schema {
    NULLABLE_INNER.set(Some(inner));
    generator.subschema_for::<Option<Nullable>>()
}

thread_local! {
    /// The schema function `Nullable` stands for, set by `nullable` just before schemars calls it.
    static NULLABLE_INNER: Cell<Option<SchemaFn>> = const { Cell::new(None) };
}

/// One type for every `T` of `nullable`: inlined, so it never names itself in a schema, and its
/// schema is `T`'s. schemars' own `Option` impl adds the `null`, exactly as for `Option<T>`.
struct Nullable;

impl schemars::JsonSchema for Nullable {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Nullable")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // Taken before the call: `inner` may reach `nullable` again for a nested struct.
        match NULLABLE_INNER.take() {
            Some(inner) => inner(generator),
            // Only `nullable` asks for this schema, and it always sets `inner` first.
            None => Schema::default(),
        }
    }
}

fn insert_text(schema: &mut Schema, key: &str, text: &str) {
    if !text.is_empty() {
        schema.insert(key.to_string(), text.into());
    }
}
