//! Support for the generated model modules: not part of the public API, and free to change with
//! the code generator. Everything the generated code calls is reached through here, so it
//! compiles in any crate that depends on `kling`.

pub use kling_macros::Wire;
pub use {schemars, serde, serde_json};

pub mod check;
pub mod object;
pub mod options;
mod price;
pub mod wire;

pub use check::{
    At, item_sum_at_most, items, max_items_when_present, max_length, one_of, range, touched, url,
};
pub use options::{OptionEnum, option_enum};
pub use price::{Choice, Factor, Price, PricedOption};

/// The error of `ModelId::from_str` for a slug outside `known`.
pub fn unknown_model(slug: &str, known: &[&'static str]) -> crate::UnknownModel {
    crate::UnknownModel::new(slug, known)
}

/// Decodes a wire-format JSON input into a typed one, with the path of the first problem.
pub fn decode<T: serde::de::DeserializeOwned>(
    json: serde_json::Value,
) -> Result<T, crate::DecodeError> {
    // Generated structs deserialize only from JSON objects (see `object`).
    serde_path_to_error::deserialize(json).map_err(decode_error)
}

// Not generic: `decode` is instantiated once per model, this only once.
fn decode_error(e: serde_path_to_error::Error<serde_json::Error>) -> crate::DecodeError {
    let path = e
        .path()
        .iter()
        .filter_map(|s| match s {
            serde_path_to_error::Segment::Seq { index } => Some(format!("/{index}")),
            serde_path_to_error::Segment::Map { key } => Some(format!("/{key}")),
            _ => None,
        })
        .collect();
    crate::DecodeError {
        path,
        message: e.into_inner().to_string(),
    }
}
