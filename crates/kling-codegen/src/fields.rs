//! Rust types for descriptor fields: structs, enums, serde attributes, constructors, setters and
//! validation statements.

use kling_descriptor::model::{Field, Format, Items, ValueType, WireType};
use kling_descriptor::naming;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::ident;

/// The Rust shape of a field value.
#[derive(Clone)]
pub(crate) enum Kind {
    /// `String`, with optional length and URL checks.
    Text { max_length: Option<u32>, url: bool },
    /// A generated closed enum.
    Enum(EnumSpec),
    /// `bool` sent as `"true"`/`"false"`; `allowed` when only some values are options.
    BoolString { allowed: Option<Vec<bool>> },
    /// `i64` sent as a string.
    IntString,
    /// A JSON boolean.
    Bool,
    /// A JSON integer.
    Int { min: Option<f64>, max: Option<f64> },
    /// A JSON number.
    Float {
        min: Option<f64>,
        max: Option<f64>,
        options: Option<Vec<f64>>,
    },
    /// `Vec<item>`.
    List {
        item: Box<Kind>,
        min: Option<u32>,
        max: Option<u32>,
    },
    /// A generated struct.
    Struct(Ident),
}

#[derive(Clone)]
pub(crate) struct EnumSpec {
    pub ident: Ident,
    /// (variant, wire text)
    pub variants: Vec<(Ident, String)>,
    pub default: Option<Ident>,
    /// Sent as a JSON integer rather than a string.
    pub integer_wire: bool,
    /// Has an integer value (`duration` seconds, or an integer wire type).
    pub integer_value: bool,
}

impl EnumSpec {
    pub fn variant_of(&self, wire: &str) -> Option<&Ident> {
        self.variants
            .iter()
            .find(|(_, w)| w == wire)
            .map(|(v, _)| v)
    }
}

impl Kind {
    pub fn ty(&self) -> TokenStream {
        match self {
            Kind::Text { .. } => quote!(::std::string::String),
            Kind::Enum(spec) => {
                let ident = &spec.ident;
                quote!(#ident)
            }
            Kind::BoolString { .. } | Kind::Bool => quote!(bool),
            Kind::IntString | Kind::Int { .. } => quote!(i64),
            Kind::Float { .. } => quote!(f64),
            Kind::List { item, .. } => {
                let item = item.ty();
                quote!(::std::vec::Vec<#item>)
            }
            Kind::Struct(ident) => quote!(#ident),
        }
    }

    /// Validation of the value behind the reference `v`, located by the `At` named `at`.
    pub fn checks(&self, v: &TokenStream, at: &Ident) -> TokenStream {
        let check = quote!(::kling::check);
        match self {
            Kind::Text { max_length, url } => {
                let len = max_length.map(|max| {
                    let max = Literal::u32_unsuffixed(max);
                    quote!(#check::max_length(#v, #max, &#at, out);)
                });
                let url = url.then(|| quote!(#check::url(#v, &#at, out);));
                quote!(#len #url)
            }
            Kind::Int { min, max } if min.is_some() || max.is_some() => {
                let (min, max) = (opt_f64(*min), opt_f64(*max));
                quote!(#check::range(*#v as f64, #min, #max, &#at, out);)
            }
            Kind::Float { min, max, options } => {
                let (lo, hi) = (opt_f64(*min), opt_f64(*max));
                let range = (min.is_some() || max.is_some())
                    .then(|| quote!(#check::range(*#v, #lo, #hi, &#at, out);));
                let options = options.as_ref().map(|o| {
                    let o = o.iter().map(|x| Literal::f64_unsuffixed(*x));
                    quote!(#check::one_of(*#v, &[#(#o),*], &#at, out);)
                });
                quote!(#range #options)
            }
            Kind::BoolString {
                allowed: Some(allowed),
            } => quote!(#check::one_of(*#v, &[#(#allowed),*], &#at, out);),
            Kind::List { item, min, max } => {
                let count = (min.is_some() || max.is_some()).then(|| {
                    let (min, max) = (opt_usize(*min), opt_usize(*max));
                    quote!(#check::items(#v.len(), #min, #max, &#at, out);)
                });
                let item_v = quote!(item);
                let item_at = format_ident!("{}_item", at);
                let inner = item.checks(&item_v, &item_at);
                let each = (!inner.is_empty()).then(|| {
                    quote! {
                        for (i, item) in #v.iter().enumerate() {
                            let #item_at = #check::At::Index(&#at, i);
                            #inner
                        }
                    }
                });
                quote!(#count #each)
            }
            Kind::Struct(_) => quote!(#v.__validate_at(&#at, out);),
            _ => TokenStream::new(),
        }
    }
}

fn opt_f64(x: Option<f64>) -> TokenStream {
    match x {
        Some(x) => {
            let x = Literal::f64_unsuffixed(x);
            quote!(::core::option::Option::Some(#x))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn opt_usize(x: Option<u32>) -> TokenStream {
    match x {
        Some(x) => {
            let x = Literal::u32_unsuffixed(x);
            quote!(::core::option::Option::Some(#x))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// One field, resolved.
pub(crate) struct FieldGen<'a> {
    pub field: &'a Field,
    pub ident: Ident,
    pub kind: Kind,
}

/// Resolves every field of a struct, pushing the types they need into `types`.
pub(crate) fn resolve_all<'a>(
    fields: &'a [Field],
    parents: &[&str],
    types: &mut Vec<TokenStream>,
) -> Vec<FieldGen<'a>> {
    fields
        .iter()
        .map(|field| {
            let mut path: Vec<&str> = parents.to_vec();
            path.push(field.rust_name.as_deref().unwrap_or(&field.name));
            FieldGen {
                field,
                ident: ident(&field.rust_ident()),
                kind: resolve(field, &path, types),
            }
        })
        .collect()
}

fn resolve(f: &Field, path: &[&str], types: &mut Vec<TokenStream>) -> Kind {
    match (f.wire_type, f.value_type) {
        (WireType::String, Some(ValueType::Boolean)) => {
            let allowed = f.options.as_ref().and_then(|o| {
                let values: Vec<bool> = o.iter().map(|x| x == "true").collect();
                (values.len() < 2).then_some(values)
            });
            Kind::BoolString { allowed }
        }
        (WireType::String, _) | (WireType::Integer, _) if f.options.is_some() => {
            let spec = enum_spec(f, path);
            types.push(enum_def(&spec, f));
            Kind::Enum(spec)
        }
        (WireType::String, Some(ValueType::Integer)) => Kind::IntString,
        (WireType::String, None) => Kind::Text {
            max_length: f.max_length,
            url: f.format == Some(Format::Url),
        },
        (WireType::Boolean, _) => Kind::Bool,
        (WireType::Integer, _) => Kind::Int {
            min: f.minimum,
            max: f.maximum,
        },
        (WireType::Number, _) => Kind::Float {
            min: f.minimum,
            max: f.maximum,
            options: f
                .options
                .as_ref()
                .map(|o| o.iter().filter_map(|x| x.parse().ok()).collect()),
        },
        (WireType::Array, _) => {
            let item = match f.items.as_deref() {
                Some(items) => resolve_items(items, path, types),
                None => Kind::Text {
                    max_length: None,
                    url: false,
                },
            };
            Kind::List {
                item: Box::new(item),
                min: f.min_items,
                max: f.max_items,
            }
        }
        (WireType::Object, _) => {
            let name = format_ident!("{}", naming::type_ident(path));
            let doc = format!("The members of `{}`.", f.name);
            types.push(struct_def(&name, &doc, &f.fields, path));
            Kind::Struct(name)
        }
    }
}

fn resolve_items(items: &Items, path: &[&str], types: &mut Vec<TokenStream>) -> Kind {
    match items.wire_type {
        WireType::Object => {
            let name = format_ident!("{}Item", naming::type_ident(path));
            let doc = format!(
                "One item of `{}`.",
                path.last().copied().unwrap_or_default()
            );
            types.push(struct_def(&name, &doc, &items.fields, path));
            Kind::Struct(name)
        }
        WireType::Boolean => Kind::Bool,
        WireType::Integer => Kind::Int {
            min: None,
            max: None,
        },
        WireType::Number => Kind::Float {
            min: None,
            max: None,
            options: None,
        },
        WireType::String | WireType::Array => Kind::Text {
            max_length: items.max_length,
            url: items.format == Some(Format::Url),
        },
    }
}

fn enum_spec(f: &Field, path: &[&str]) -> EnumSpec {
    let options = f.options.clone().unwrap_or_default();
    let variants: Vec<(Ident, String)> = options
        .iter()
        .map(|o| {
            (
                format_ident!("{}", naming::variant_ident(&f.name, f.unit.as_deref(), o)),
                o.clone(),
            )
        })
        .collect();
    let default = f.default_text().and_then(|d| {
        variants
            .iter()
            .find(|(_, w)| *w == d)
            .map(|(v, _)| v.clone())
    });
    EnumSpec {
        ident: format_ident!("{}", naming::type_ident(path)),
        variants,
        default,
        integer_wire: f.wire_type == WireType::Integer,
        integer_value: f.wire_type == WireType::Integer || f.value_type == Some(ValueType::Integer),
    }
}

const SERDE: &str = "::kling::__private::serde";
const SCHEMARS: &str = "::kling::__private::schemars";

/// A closed enum of options.
pub(crate) fn enum_def(spec: &EnumSpec, f: &Field) -> TokenStream {
    let name = &spec.ident;
    let count = Literal::usize_unsuffixed(spec.variants.len());
    let doc = format!("The options of `{}`: {}", f.name, f.description);
    let all = spec.variants.iter().map(|(v, _)| quote!(Self::#v));
    let wires: Vec<&String> = spec.variants.iter().map(|(_, w)| w).collect();
    let arms = spec.variants.iter().map(|(v, w)| quote!(Self::#v => #w));
    let variants = spec.variants.iter().map(|(v, w)| {
        let doc = match &f.unit {
            Some(unit) => format!("`{w}` ({unit})."),
            None => format!("`{w}`."),
        };
        quote!(#[doc = #doc] #v)
    });
    let default = spec.default.as_ref().map(|d| {
        let doc = format!(
            "The server's default, `{}`.",
            f.default_text().unwrap_or_default()
        );
        quote! {
            impl ::core::default::Default for #name {
                #[doc = #doc]
                fn default() -> Self { Self::#d }
            }
        }
    });
    let value = spec.integer_value.then(|| {
        let arms = spec.variants.iter().map(|(v, w)| {
            let n = Literal::i64_unsuffixed(w.parse().unwrap_or_default());
            quote!(Self::#v => #n)
        });
        quote! {
            /// The option as a number.
            pub const fn value(self) -> i64 { match self { #(#arms,)* } }
        }
    });
    let (derive_serde, integer_impls) = if spec.integer_wire {
        let arms = spec.variants.iter().map(|(v, w)| {
            let n = Literal::i64_unsuffixed(w.parse().unwrap_or_default());
            quote!(#n => ::core::result::Result::Ok(Self::#v))
        });
        let numbers = spec
            .variants
            .iter()
            .map(|(_, w)| Literal::i64_unsuffixed(w.parse().unwrap_or_default()));
        (
            quote!(#[serde(crate = #SERDE, try_from = "i64", into = "i64")]),
            quote! {
                impl ::core::convert::From<#name> for i64 {
                    fn from(value: #name) -> i64 { value.value() }
                }
                impl ::core::convert::TryFrom<i64> for #name {
                    type Error = ::kling::UnknownOption;
                    fn try_from(value: i64) -> ::core::result::Result<Self, Self::Error> {
                        match value {
                            #(#arms,)*
                            other => ::core::result::Result::Err(::kling::UnknownOption { value: other.to_string(), options: &Self::OPTIONS }),
                        }
                    }
                }
                impl ::kling::__private::schemars::JsonSchema for #name {
                    fn schema_name() -> ::std::borrow::Cow<'static, str> { ::std::borrow::Cow::Borrowed(::core::stringify!(#name)) }
                    fn json_schema(_: &mut ::kling::__private::schemars::SchemaGenerator) -> ::kling::__private::schemars::Schema {
                        ::kling::__private::schemars::json_schema!({ "type": "integer", "enum": [#(#numbers),*] })
                    }
                }
            },
        )
    } else {
        // Hand-written rather than derived: a string and a parse, far less code to compile.
        (
            TokenStream::new(),
            quote! {
                impl ::kling::__private::serde::Serialize for #name {
                    fn serialize<S: ::kling::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }
                impl<'de> ::kling::__private::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::kling::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                        ::kling::wire::option_from_str(deserializer)
                    }
                }
                impl ::kling::__private::schemars::JsonSchema for #name {
                    fn schema_name() -> ::std::borrow::Cow<'static, str> { ::std::borrow::Cow::Borrowed(::core::stringify!(#name)) }
                    fn json_schema(_: &mut ::kling::__private::schemars::SchemaGenerator) -> ::kling::__private::schemars::Schema {
                        ::kling::wire::string_enum_schema(&Self::OPTIONS)
                    }
                }
            },
        )
    };
    let serde_derive = spec.integer_wire.then(|| {
        quote!(
            ::kling::__private::serde::Serialize,
            ::kling::__private::serde::Deserialize,
        )
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, #serde_derive)]
        #derive_serde
        pub enum #name { #(#variants,)* }

        impl #name {
            /// Every option, in published order.
            pub const ALL: [Self; #count] = [#(#all),*];

            /// The wire text of every option, in the order of `ALL`.
            pub const OPTIONS: [&'static str; #count] = [#(#wires),*];

            /// The option as sent on the wire.
            pub const fn as_str(self) -> &'static str { match self { #(#arms,)* } }

            #value
        }

        #default

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result { f.write_str(self.as_str()) }
        }

        impl ::core::str::FromStr for #name {
            type Err = ::kling::UnknownOption;
            fn from_str(text: &str) -> ::core::result::Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|option| option.as_str() == text)
                    .ok_or_else(|| ::kling::UnknownOption { value: text.to_string(), options: &Self::OPTIONS })
            }
        }

        #integer_impls
    }
}

fn field_doc(f: &Field) -> String {
    let mut doc = f.description.trim().to_string();
    let mut facts = Vec::new();
    if f.required {
        facts.push("Required.".to_string());
    }
    if let Some(default) = f.default_text() {
        facts.push(format!("Server default: `{default}`."));
    }
    if let Some(max) = f.max_length {
        facts.push(format!("At most {max} characters."));
    }
    match (f.minimum, f.maximum) {
        (Some(min), Some(max)) => facts.push(format!("From {min} to {max}.")),
        (Some(min), None) => facts.push(format!("At least {min}.")),
        (None, Some(max)) => facts.push(format!("At most {max}.")),
        (None, None) => {}
    }
    match (f.min_items, f.max_items) {
        (Some(min), Some(max)) => facts.push(format!("{min} to {max} items.")),
        (Some(min), None) => facts.push(format!("At least {min} item(s).")),
        (None, Some(max)) => facts.push(format!("At most {max} items.")),
        (None, None) => {}
    }
    if f.format == Some(Format::Url) {
        facts.push("An http(s) URL.".into());
    }
    if naming::bare(&f.rust_ident()) != f.name {
        facts.push(format!("Sent as `{}`.", f.name));
    }
    if !facts.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(&facts.join(" "));
    }
    doc
}

/// A struct of fields with its constructor, setters and field-level validation.
pub(crate) fn struct_def(
    name: &Ident,
    doc: &str,
    fields: &[Field],
    parents: &[&str],
) -> TokenStream {
    let mut types = Vec::new();
    let gens = resolve_all(fields, parents, &mut types);
    struct_tokens(name, doc, &gens, types)
}

pub(crate) fn struct_tokens(
    name: &Ident,
    doc: &str,
    gens: &[FieldGen<'_>],
    types: Vec<TokenStream>,
) -> TokenStream {
    let mut members = Vec::new();
    let mut ctor_args = Vec::new();
    let mut ctor_inits = Vec::new();
    let mut setters = Vec::new();
    let mut checks = Vec::new();
    for g in gens {
        let f = g.field;
        let ident = &g.ident;
        let wire = &f.name;
        let ty = g.kind.ty();
        let doc = field_doc(f);
        let rename = (naming::bare(&ident.to_string()) != wire.as_str())
            .then(|| quote!(#[serde(rename = #wire)]));
        let (with, schema_with) = match (&g.kind, f.required) {
            (Kind::BoolString { .. }, true) => (
                Some("::kling::wire::bool_string"),
                Some("::kling::wire::BoolString"),
            ),
            (Kind::BoolString { .. }, false) => (
                Some("::kling::wire::option_bool_string"),
                Some("::core::option::Option<::kling::wire::BoolString>"),
            ),
            (Kind::IntString, true) => (
                Some("::kling::wire::int_string"),
                Some("::kling::wire::IntString"),
            ),
            (Kind::IntString, false) => (
                Some("::kling::wire::option_int_string"),
                Some("::core::option::Option<::kling::wire::IntString>"),
            ),
            _ => (None, None),
        };
        let with = with.map(|w| quote!(#[serde(with = #w)]));
        // Structs must come from JSON objects, never arrays.
        let objects = match (&g.kind, f.required) {
            (Kind::Struct(_), true) => Some("::kling::wire::object"),
            (Kind::Struct(_), false) => Some("::kling::wire::option_object"),
            (Kind::List { item, .. }, true) if matches!(**item, Kind::Struct(_)) => {
                Some("::kling::wire::objects")
            }
            (Kind::List { item, .. }, false) if matches!(**item, Kind::Struct(_)) => {
                Some("::kling::wire::option_objects")
            }
            _ => None,
        };
        let with = with.or_else(|| objects.map(|w| quote!(#[serde(deserialize_with = #w)])));
        let schema_with = schema_with.map(|w| quote!(#[schemars(with = #w)]));
        let at = format_ident!("at_{}", naming::bare(&ident.to_string()));
        let wire_lit = wire.as_str();
        let value_checks = g.kind.checks(&quote!(value), &at);
        let (arg_ty, conv) = setter_conversion(&g.kind);
        if f.required {
            members.push(quote! {
                #[doc = #doc]
                #rename #with #schema_with
                pub #ident: #ty
            });
            ctor_args.push(quote!(#ident: #arg_ty));
            let conv = conv(quote!(#ident));
            ctor_inits.push(quote!(#ident: #conv));
            if !value_checks.is_empty() {
                checks.push(quote! {
                    let #at = ::kling::check::At::Key(at, #wire_lit);
                    let value = &self.#ident;
                    #value_checks
                });
            }
        } else {
            members.push(quote! {
                #[doc = #doc]
                #[serde(default, skip_serializing_if = "::core::option::Option::is_none")]
                #rename #with #schema_with
                pub #ident: ::core::option::Option<#ty>
            });
            ctor_inits.push(quote!(#ident: ::core::option::Option::None));
            let conv = conv(quote!(value));
            let setter_doc = format!("Sets `{wire}`.");
            setters.push(quote! {
                #[doc = #setter_doc]
                #[must_use]
                pub fn #ident(mut self, value: #arg_ty) -> Self {
                    self.#ident = ::core::option::Option::Some(#conv);
                    self
                }
            });
            if !value_checks.is_empty() {
                checks.push(quote! {
                    if let ::core::option::Option::Some(value) = &self.#ident {
                        let #at = ::kling::check::At::Key(at, #wire_lit);
                        #value_checks
                    }
                });
            }
        }
    }
    let no_required = ctor_args.is_empty();
    let default_derive = no_required.then(|| quote!(Default,));
    let new_doc = if no_required {
        format!("An empty `{name}`: every field is optional and the server applies its defaults.")
    } else {
        format!("A `{name}` with its required fields; set the others with the methods below.")
    };
    let at_param = if checks.is_empty() {
        quote!(_at)
    } else {
        quote!(at)
    };
    let out_param = if checks.is_empty() {
        quote!(_out)
    } else {
        quote!(out)
    };
    quote! {
        #(#types)*

        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #default_derive ::kling::__private::serde::Serialize, ::kling::__private::serde::Deserialize, ::kling::__private::schemars::JsonSchema)]
        #[serde(crate = #SERDE, deny_unknown_fields)]
        #[schemars(crate = #SCHEMARS)]
        #[non_exhaustive]
        pub struct #name { #(#members,)* }

        impl #name {
            #[doc = #new_doc]
            #[must_use]
            pub fn new(#(#ctor_args),*) -> Self {
                Self { #(#ctor_inits,)* }
            }

            #(#setters)*

            #[doc(hidden)]
            pub fn __validate_at(&self, #at_param: &::kling::check::At<'_>, #out_param: &mut ::std::vec::Vec<::kling::Violation>) {
                #(#checks)*
            }
        }
    }
}

/// The argument type of a setter or constructor parameter, and how to convert it.
fn setter_conversion(kind: &Kind) -> (TokenStream, Box<dyn Fn(TokenStream) -> TokenStream>) {
    match kind {
        Kind::Text { .. } => (
            quote!(impl ::core::convert::Into<::std::string::String>),
            Box::new(|v| quote!(#v.into())),
        ),
        Kind::List { item, .. } if matches!(**item, Kind::Text { .. }) => (
            quote!(
                impl ::core::iter::IntoIterator<
                    Item = impl ::core::convert::Into<::std::string::String>,
                >
            ),
            Box::new(|v| quote!(#v.into_iter().map(::core::convert::Into::into).collect())),
        ),
        Kind::List { item, .. } => {
            let item = item.ty();
            (
                quote!(impl ::core::iter::IntoIterator<Item = #item>),
                Box::new(|v| quote!(#v.into_iter().collect())),
            )
        }
        other => (other.ty(), Box::new(|v| v)),
    }
}
