//! Generates typed Rust for Kling model descriptors.
//!
//! An ordinary library (no proc-macro crate type), so it can be unit- and snapshot-tested:
//! `kling-macros` is a thin shell that calls [`expand_dir`] at compile time, and
//! `cargo xtask expand` prints [`model_module`] for one model.
//!
//! For each model the output is a module holding the typed `Input` (required fields are
//! constructor arguments, options are closed enums, booleans and integers sent as strings are
//! `bool`/`i64`), its validation, its cost as integer arithmetic on constants, and an
//! implementation of `kling::Model`. [`catalog`] adds the registry (`ModelId`, `AnyInput`).
//! Every path in the generated code is fully qualified, so it compiles wherever `kling` is a
//! dependency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kling_descriptor::load::{self, Loaded};
use kling_descriptor::{check, naming};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

mod fields;
mod model;
mod registry;

/// How generated code refers back to the descriptor files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// When set, each model `include_str!`s its descriptor from this directory (absolute), so that
    /// cargo rebuilds when one is edited.
    pub include_dir: Option<PathBuf>,
    /// When set, the generated code reads this environment variable with `env!`, so that cargo
    /// rebuilds when the build script reports a different set of descriptor files.
    pub fingerprint_env: Option<String>,
}

/// Loads, checks and generates every descriptor under `dir`.
///
/// On failure returns every error, rendered as `file#pointer: message (hint: …)` with file names
/// shown under `display_dir` (the directory as the user wrote it).
pub fn expand_dir(
    dir: &Path,
    display_dir: &str,
    options: &Options,
) -> Result<TokenStream, Vec<String>> {
    let catalog = load::load_dir(dir);
    let mut diagnostics = catalog.diagnostics;
    diagnostics.extend(check::check_catalog(&catalog.descriptors));
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let file = d.file.strip_prefix(dir).unwrap_or(&d.file);
            let file = Path::new(display_dir).join(file);
            let mut text = format!("{}#{}: {}", file.display(), d.pointer, d.message);
            if let Some(hint) = &d.hint {
                text.push_str(&format!(" (hint: {hint})"));
            }
            text
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    if catalog.descriptors.is_empty() {
        return Err(vec![format!(
            "no model descriptors found under {display_dir}"
        )]);
    }
    let mut unsupported = Vec::new();
    for loaded in &catalog.descriptors {
        if let Err(reason) = model::supported(&loaded.descriptor) {
            unsupported.push(format!(
                "{}/{}: {reason}",
                display_dir, loaded.relative_path
            ));
        }
    }
    if !unsupported.is_empty() {
        return Err(unsupported);
    }
    Ok(catalog_tokens(&catalog.descriptors, options))
}

/// The whole catalog: nested modules `provider::model::capability` and the registry.
/// The descriptors must have passed [`check::check_catalog`].
pub fn catalog(descriptors: &[Loaded], options: &Options) -> TokenStream {
    catalog_tokens(descriptors, options)
}

fn catalog_tokens(descriptors: &[Loaded], options: &Options) -> TokenStream {
    // provider -> model -> modules
    let mut tree: BTreeMap<&str, BTreeMap<&str, Vec<TokenStream>>> = BTreeMap::new();
    // Published names for the module docs, by slug segment.
    let mut provider_names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut model_names: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for loaded in descriptors {
        let d = &loaded.descriptor;
        let mut parts = d.slug.splitn(3, '/');
        let (Some(provider), Some(model), Some(_)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        provider_names.insert(provider, &d.provider);
        model_names.insert((provider, model), &d.model);
        tree.entry(provider)
            .or_default()
            .entry(model)
            .or_default()
            .push(model_module(loaded, options));
    }
    let providers = tree.iter().map(|(provider, models)| {
        let provider_ident = format_ident!("{}", naming::module_ident(provider));
        let provider_doc = format!(
            "Models of the provider {}.",
            provider_names.get(provider).unwrap_or(provider)
        );
        let models = models.iter().map(|(model, modules)| {
            let model_ident = format_ident!("{}", naming::module_ident(model));
            let model_doc = format!(
                "{}: one module per capability.",
                model_names.get(&(*provider, *model)).unwrap_or(model)
            );
            quote! {
                #[doc = #model_doc]
                pub mod #model_ident { #(#modules)* }
            }
        });
        quote! {
            #[doc = #provider_doc]
            pub mod #provider_ident { #(#models)* }
        }
    });
    let registry = registry::registry(descriptors);
    let fingerprint = options.fingerprint_env.as_ref().map(|var| {
        quote! { const _: &str = ::core::env!(#var); }
    });
    quote! {
        #fingerprint
        #(#providers)*
        #registry
    }
}

/// The module of one model (`pub mod capability { … }`), as it appears inside its provider and
/// model modules. The descriptor must have passed the checks.
pub fn model_module(loaded: &Loaded, options: &Options) -> TokenStream {
    model::module(loaded, options)
}

/// Formats generated tokens as Rust source.
#[cfg(feature = "pretty")]
pub fn pretty(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// `syn`-free identifier creation that understands raw identifiers (`r#type`).
pub(crate) fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
    }
}
