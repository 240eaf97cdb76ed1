//! The registry over every model: `ModelId` and `AnyInput`.

use kling_descriptor::load::Loaded;
use kling_descriptor::naming;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Per model: its `ModelId` variant, the path of its `Input` and its slug.
struct Entries {
    variants: Vec<proc_macro2::Ident>,
    paths: Vec<TokenStream>,
    slugs: Vec<String>,
}

pub(crate) fn registry(descriptors: &[Loaded]) -> TokenStream {
    let mut variants = Vec::new();
    let mut paths = Vec::new();
    let mut slugs = Vec::new();
    for loaded in descriptors {
        let slug = &loaded.descriptor.slug;
        let segments: Vec<&str> = slug.split('/').collect();
        variants.push(format_ident!("{}", naming::type_ident(&segments)));
        let modules = segments
            .iter()
            .map(|s| format_ident!("{}", naming::module_ident(s)));
        paths.push(quote!(self::#(#modules)::*::Input));
        slugs.push(slug.clone());
    }
    let entries = Entries {
        variants,
        paths,
        slugs,
    };
    let model_id = model_id(descriptors, &entries);
    let any_input = any_input(&entries);
    quote!(#model_id #any_input)
}

/// `ModelId`: every model by slug.
fn model_id(descriptors: &[Loaded], entries: &Entries) -> TokenStream {
    let Entries {
        variants,
        paths,
        slugs,
    } = entries;
    let count = descriptors.len();
    let variant_docs = descriptors.iter().map(|l| {
        let d = &l.descriptor;
        format!("`{}`: {} — {}.", d.slug, d.model, d.capability)
    });
    quote! {
        /// Every model of the catalog, by slug.
        ///
        /// `Display` and `FromStr` use the slug; [`ModelId::ALL`] lists them in slug order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ModelId { #(#[doc = #variant_docs] #variants,)* }

        impl ModelId {
            /// Every model, in slug order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// Every slug, in the order of [`ModelId::ALL`].
            pub const SLUGS: [&'static str; #count] = [#(#slugs),*];

            /// Every model, in slug order.
            pub fn iter() -> impl ::core::iter::Iterator<Item = Self> {
                Self::ALL.into_iter()
            }

            /// The model's slug.
            pub const fn slug(self) -> &'static str {
                match self { #(Self::#variants => #slugs,)* }
            }

            /// Everything the catalog knows about the model.
            pub const fn info(self) -> &'static ::kling::ModelInfo {
                match self { #(Self::#variants => &<#paths as ::kling::Model>::INFO,)* }
            }

            /// Decodes a wire-format JSON input into the model's typed input.
            pub fn decode_input(self, json: ::kling::__private::serde_json::Value) -> ::core::result::Result<AnyInput, ::kling::DecodeError> {
                match self {
                    #(Self::#variants => ::kling::__private::decode::<#paths>(json).map(|input| AnyInput::#variants(::std::boxed::Box::new(input))),)*
                }
            }

            /// Decodes and validates a wire-format JSON input: the dynamic path for inputs that
            /// arrive as JSON.
            pub fn validate_json(self, json: ::kling::__private::serde_json::Value) -> ::core::result::Result<AnyInput, ::kling::InputError> {
                let input = self.decode_input(json)?;
                input.validate()?;
                ::core::result::Result::Ok(input)
            }

            /// The JSON Schema of the model's input.
            pub fn input_schema(self) -> ::kling::__private::schemars::Schema {
                match self { #(Self::#variants => ::kling::__private::schemars::schema_for!(#paths),)* }
            }
        }

        impl ::core::fmt::Display for ModelId {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.slug())
            }
        }

        impl ::core::str::FromStr for ModelId {
            type Err = ::kling::UnknownModel;
            fn from_str(slug: &str) -> ::core::result::Result<Self, Self::Err> {
                match slug {
                    #(#slugs => ::core::result::Result::Ok(Self::#variants),)*
                    other => ::core::result::Result::Err(::kling::__private::unknown_model(other, &Self::SLUGS)),
                }
            }
        }

    }
}

/// `AnyInput`: the typed input of any model.
fn any_input(entries: &Entries) -> TokenStream {
    let Entries {
        variants,
        paths,
        slugs,
    } = entries;
    quote! {
        /// The typed input of any model; what [`ModelId::decode_input`] returns.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum AnyInput { #(#[doc = #slugs] #variants(::std::boxed::Box<#paths>),)* }

        impl AnyInput {
            /// The model this input is for.
            pub const fn model(&self) -> ModelId {
                match self { #(Self::#variants(_) => ModelId::#variants,)* }
            }

            /// Every violation of the model's limits and rules.
            pub fn validate(&self) -> ::core::result::Result<(), ::kling::Violations> {
                match self { #(Self::#variants(input) => ::kling::Model::validate(&**input),)* }
            }

            /// The list price in micro-cents.
            pub fn cost(&self) -> ::kling::MicroCents {
                match self { #(Self::#variants(input) => ::kling::Model::cost(&**input),)* }
            }

            /// The list price with one line per factor.
            pub fn cost_breakdown(&self) -> ::kling::Quote {
                match self { #(Self::#variants(input) => ::kling::Model::cost_breakdown(&**input),)* }
            }

            /// The wire-format JSON of the input.
            pub fn to_json(&self) -> ::core::result::Result<::kling::__private::serde_json::Value, ::kling::__private::serde_json::Error> {
                match self { #(Self::#variants(input) => ::kling::__private::serde_json::to_value(&**input),)* }
            }
        }

        impl ::kling::__private::serde::Serialize for AnyInput {
            fn serialize<S: ::kling::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                match self { #(Self::#variants(input) => ::kling::__private::serde::Serialize::serialize(&**input, serializer),)* }
            }
        }

        #(
            impl ::core::convert::From<#paths> for AnyInput {
                fn from(input: #paths) -> Self { Self::#variants(::std::boxed::Box::new(input)) }
            }
        )*
    }
}
