//! Model descriptors for Kling models on the PixelByte jobs API.
//!
//! A descriptor is one JSON file per model slug under `schemas/` (see [`model::Descriptor`]). This
//! crate is the single reader of that data for the whole workspace:
//!
//! - [`load`] reads descriptor files and reports every structural problem;
//! - [`check`] validates their meaning (types, options, defaults, factors, names, prices);
//! - [`money`] holds the exact price arithmetic in integer micro-cents;
//! - [`pricing`] prices a choice of options and enumerates every combination;
//! - [`shape`] resolves each field into one [`shape::Shape`], which every reader matches on;
//! - [`input`] validates and prices a wire-format JSON input at run time;
//! - [`naming`] states how descriptor names become Rust names.
//!
//! It has no proc-macro dependencies, so build scripts, servers and tools can use it cheaply.
//!
//! ```
//! use kling_descriptor::{check, load};
//! # let text = include_str!("../tests/fixtures/valid/kling/demo/text-to-video.json");
//! let d = load::parse("kling/demo/text-to-video.json".as_ref(), text).expect("parses");
//! assert!(check::check_descriptor("x".as_ref(), Some("kling/demo/text-to-video.json"), &d).is_empty());
//! let quote = kling_descriptor::input::quote_input(&d, &serde_json::json!({"prompt": "a kite"})).unwrap();
//! assert_eq!(quote.total.get(), 7_500);
//! ```

#![warn(clippy::unwrap_used)]

pub mod check;
pub mod diagnostics;
pub mod input;
mod json_schema;
pub mod load;
pub mod model;
pub mod money;
pub mod naming;
pub mod pricing;
pub mod shape;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use model::Descriptor;
pub use money::{MicroCents, Multiplier};
pub use pricing::Quote;

/// The JSON Schema of the descriptor format, as written to `schemas/descriptor.schema.json`.
pub fn descriptor_json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(model::Descriptor);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}
