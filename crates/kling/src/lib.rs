//! Typed, exactly priced Kling video models on the PixelByte jobs API.
//!
//! Every Kling model PixelByte runs has a module under [`models`], generated at compile time from
//! its JSON descriptor in `schemas/`: a typed `Input` whose required fields are constructor
//! arguments, closed enums for options, `validate()` returning every violation with its JSON
//! pointer, and `cost()` in exact micro-cents.
//!
//! ```
//! use kling::prelude::*;
//! use kling::models::kling_plus::kling_o3_standard::reference_to_video::{AspectRatio, Duration, Input};
//!
//! let input = Input::new()
//!     .prompt("a paper boat drifts down a rainy street")
//!     .images(["https://example.com/boat.png"])
//!     .aspect_ratio(AspectRatio::Ratio9_16)
//!     .duration(Duration::Seconds8)
//!     .has_sound(true);
//! input.validate()?;
//! assert_eq!(input.cost(), MicroCents::new(84_000 * 8 * 3 / 2));
//! println!("{}", input.cost_breakdown()); // 84,000 × 8 (duration=8) × 1.5 (has_sound=true) = …
//!
//! // The same through the registry, for inputs that arrive as JSON:
//! let id: ModelId = "kling-plus/kling-o3-standard/reference-to-video".parse()?;
//! let any = id.decode_input(serde_json::to_value(&input)?)?;
//! assert_eq!(any.cost(), input.cost());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Money is [`MicroCents`]: 1,000,000 micro-cents make one US dollar.
//!
//! # Features
//!
//! - `client` (default): the async client (HTTP/2, system proxy settings) and `webhook`.
//! - TLS for the client, one of: `rustls` (default; rustls with the ring provider: needs a C
//!   compiler, no cmake), `rustls-aws-lc` (reqwest's aws-lc-rs stack: post-quantum key exchange,
//!   a large C build needing cmake beyond the main targets), `native-tls` (SChannel or
//!   Security.framework with no C build on Windows and macOS, OpenSSL with its headers elsewhere).
//!   With `client` alone only plain http to loopback works (a local sandbox).
//! - `webhook`: signature verification and typed events, without the client.
//!
//! With `default-features = false` the crate is types, validation and prices only.

#![warn(clippy::unwrap_used)]

extern crate self as kling;

#[doc(hidden)]
pub mod __private;
#[cfg(feature = "webhook")]
pub mod api;
#[cfg(feature = "client")]
pub mod client;
mod model;
#[cfg(feature = "webhook")]
pub mod webhook;

/// Every Kling model of the catalog, one module per slug (`provider::model::capability`), plus
/// the registry: [`models::ModelId`] and [`models::AnyInput`].
pub mod models {
    kling_macros::include_models!("../schemas");
}

pub use kling_descriptor::input::{Violation, ViolationCode, Violations};
pub use kling_descriptor::money::{MicroCents, Multiplier};
pub use kling_descriptor::pricing::{ChoiceSource, PriceLine, Quote};
pub use model::{DecodeError, InputError, Model, ModelInfo, UnknownModel, UnknownOption};
pub use models::{AnyInput, ModelId};

#[cfg(feature = "client")]
pub use client::{Client, Error};

/// The names most programs need: `use kling::prelude::*;`.
pub mod prelude {
    pub use crate::{AnyInput, MicroCents, Model, ModelId, Violations};
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
