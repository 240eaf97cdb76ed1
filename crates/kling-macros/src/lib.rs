//! `include_models!("dir")`: the typed API of every Kling model descriptor under `dir`; and
//! `#[derive(Wire)]`, the serde and JSON Schema impls of the structs it generates.
//!
//! `include_models!` is a thin shell over [`kling_codegen::expand_dir`]. The directory is resolved relative to the
//! file that invokes the macro (like `include_str!`). A descriptor the checks refuse becomes a
//! `compile_error!` naming its file and JSON pointer; the macro never panics.
//!
//! The generated code refers to the runtime crate as `::kling`, so it is meant to be invoked
//! by `kling` itself (or by tests that depend on `kling`).

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote_spanned;

mod wire;

/// Generates the modules, types and registry of every descriptor under a directory.
///
/// ```ignore
/// pub mod models {
///     kling_macros::include_models!("../schemas");
/// }
/// ```
#[proc_macro]
pub fn include_models(input: TokenStream) -> TokenStream {
    let literal = match syn::parse::<syn::LitStr>(input) {
        Ok(literal) => literal,
        Err(e) => return e.to_compile_error().into(),
    };
    let relative = literal.value();
    let dir = base_dir().join(&relative);
    let options = kling_codegen::Options {
        include_dir: Some(dir.clone()),
        // Set by kling's build script; its `env!` makes cargo rebuild when files come or go.
        fingerprint_env: std::env::var_os("KLING_SCHEMAS_FINGERPRINT")
            .map(|_| "KLING_SCHEMAS_FINGERPRINT".to_string()),
    };
    match kling_codegen::expand_dir(&dir, &relative, &options) {
        Ok(tokens) => tokens.into(),
        Err(errors) => {
            let span = literal.span();
            errors
                .iter()
                .map(|message| quote_spanned!(span=> ::core::compile_error!(#message);))
                .collect::<proc_macro2::TokenStream>()
                .into()
        }
    }
}

/// The directory of the invoking source file, or the invoking crate's manifest directory.
fn base_dir() -> PathBuf {
    let file = proc_macro::Span::call_site().local_file();
    let cwd = std::env::current_dir().unwrap_or_default();
    match file.as_deref().and_then(Path::parent) {
        Some(parent) => cwd.join(parent),
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or(cwd),
    }
}

/// Serialize, Deserialize and JsonSchema for a struct `include_models!` generated (see
/// `kling::__private::object`): lean impls on generic support code, which behave as serde's and
/// schemars' derives did.
#[proc_macro_derive(Wire, attributes(wire))]
pub fn derive_wire(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input).and_then(wire::derive) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
