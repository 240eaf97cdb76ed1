//! Generates typed Rust for Kling model descriptors.
//!
//! An ordinary library (no proc-macro crate type), so it can be unit- and snapshot-tested:
//! `kling-macros` is a thin shell that calls [`expand_dir`] at compile time, and
//! `cargo xtask expand` prints [`model_module`] for one model.
//!
//! For each model the output is a module holding the typed `Input` (required fields are
//! constructor arguments, options are closed enums, booleans and integers sent as strings are
//! `bool`/`i64`), its validation, one price table from which the cost and its breakdown are
//! computed, and an implementation of `kling::Model`. [`catalog`] adds the registry (`ModelId`,
//! `AnyInput`). Every path in the generated code is fully qualified, so it compiles wherever
//! `kling` is a dependency.
//!
//! The generator is strict: what it cannot express is an error naming the descriptor file and
//! JSON pointer, never a placeholder or an omission. Most such errors are refused by the checks
//! first; the generator still refuses them on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::load::{self, Loaded};
use kling_descriptor::{Code, Diagnostic, check, naming};
use proc_macro2::TokenStream;
use quote::quote;

mod checks;
mod enums;
mod fields;
mod model;
mod price;
mod registry;
mod rules;
mod structs;

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
    diagnostics.retain(Diagnostic::is_error);
    if catalog.descriptors.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::new(Code::NoDescriptors, dir, "", "no model descriptors found").with_hint(
                "descriptors are `provider/model/capability.json` files under the directory",
            ),
        );
    }
    let render = |diagnostics: Vec<Diagnostic>| {
        diagnostics
            .iter()
            .map(|d| render(d, dir, display_dir))
            .collect()
    };
    if !diagnostics.is_empty() {
        return Err(render(diagnostics));
    }
    catalog_tokens(&catalog.descriptors, options).map_err(render)
}

/// `file#pointer: message (hint: …)`, the file shown under `display_dir`.
fn render(d: &Diagnostic, dir: &Path, display_dir: &str) -> String {
    let file = d.file.strip_prefix(dir).unwrap_or(&d.file);
    let file = Path::new(display_dir).join(file);
    let mut text = format!("{}#{}: {}", file.display(), d.pointer, d.message);
    if let Some(hint) = &d.hint {
        text.push_str(&format!(" (hint: {hint})"));
    }
    text
}

/// The whole catalog: nested modules `provider::model::capability` and the registry.
/// The descriptors must have passed [`check::check_catalog`]; what the generator cannot express
/// is returned as errors.
pub fn catalog(descriptors: &[Loaded], options: &Options) -> Result<TokenStream, Vec<Diagnostic>> {
    catalog_tokens(descriptors, options)
}

fn catalog_tokens(
    descriptors: &[Loaded],
    options: &Options,
) -> Result<TokenStream, Vec<Diagnostic>> {
    // provider -> (published name, model -> (published name, modules))
    type Models<'a> = BTreeMap<&'a str, (&'a str, Vec<TokenStream>)>;
    let mut tree: BTreeMap<&str, (&str, Models<'_>)> = BTreeMap::new();
    let modules = all(descriptors.iter().map(|loaded| {
        let (provider, model, _) = slug_parts(loaded)?;
        Ok((provider, model, model_module(loaded, options)?))
    }))?;
    for ((provider, model, module), loaded) in modules.into_iter().zip(descriptors) {
        let d = &loaded.descriptor;
        let (_, models) = tree
            .entry(provider)
            .or_insert((&d.provider, BTreeMap::new()));
        let (_, modules) = models.entry(model).or_insert((&d.model, Vec::new()));
        modules.push(module);
    }
    let providers = tree.iter().map(|(provider, (provider_name, models))| {
        let provider_ident = ident(&naming::module_ident(provider));
        let provider_doc = format!("Models of the provider {provider_name}.");
        let models = models.iter().map(|(model, (model_name, modules))| {
            let model_ident = ident(&naming::module_ident(model));
            let model_doc = format!("{model_name}: one module per capability.");
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
    Ok(quote! {
        #fingerprint
        #(#providers)*
        #registry
    })
}

/// `provider`, `model` and `capability` of a slug the checks accepted.
pub(crate) fn slug_parts(loaded: &Loaded) -> Result<(&str, &str, &str), Vec<Diagnostic>> {
    let slug = &loaded.descriptor.slug;
    let segments: Vec<&str> = slug.split('/').collect();
    let usable = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    };
    match segments[..] {
        [provider, model, capability] if segments.iter().all(|s| usable(s)) => {
            Ok((provider, model, capability))
        }
        _ => Err(vec![Diagnostic::new(
            Code::BadSlug,
            &loaded.file,
            "/slug",
            format!("slug `{slug}` is not of the form provider/model/capability"),
        )]),
    }
}

/// The module of one model (`pub mod capability { … }`), as it appears inside its provider and
/// model modules. The descriptor must have passed the checks; what the generator cannot express
/// is returned as errors.
pub fn model_module(loaded: &Loaded, options: &Options) -> Result<TokenStream, Vec<Diagnostic>> {
    model::module(loaded, options)
}

/// Formats generated tokens as Rust source.
#[cfg(feature = "pretty")]
pub fn pretty(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// Where generator errors are reported: the descriptor file.
pub(crate) struct Cx<'a> {
    pub file: &'a Path,
}

impl Cx<'_> {
    /// An error at `at`.
    pub fn error(
        &self,
        code: Code,
        at: &Pointer,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Vec<Diagnostic> {
        vec![Diagnostic::new(code, self.file, at.as_str(), message).with_hint(hint)]
    }

    /// An identifier, refusing text that is not one (the naming rules and the checks make that
    /// impossible for a checked descriptor).
    pub fn ident(&self, name: &str, at: &Pointer) -> Result<proc_macro2::Ident, Vec<Diagnostic>> {
        let bare = name.strip_prefix("r#").unwrap_or(name);
        let usable = bare.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && bare != "_";
        if usable {
            Ok(ident(name))
        } else {
            Err(self.error(
                Code::NameCollision,
                at,
                format!("`{name}` is not a Rust identifier"),
                "the names of fields, options and slugs must give Rust names; see the naming rules",
            ))
        }
    }
}

/// Every value, or every error of every result.
pub(crate) fn all<T>(
    results: impl IntoIterator<Item = Result<T, Vec<Diagnostic>>>,
) -> Result<Vec<T>, Vec<Diagnostic>> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(value) => values.push(value),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// `syn`-free identifier creation that understands raw identifiers (`r#type`); for names the
/// naming rules produced from checked slugs and names.
pub(crate) fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
    }
}
