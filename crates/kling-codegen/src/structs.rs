//! Structs of fields (`Input` and the nested item and member structs): members with their wire
//! attributes, constructor, setters and field-level validation.

use kling_descriptor::Diagnostic;
use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::model::Field;
use kling_descriptor::naming;
use kling_descriptor::shape::Shape;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::checks::checks;
use crate::fields::{FieldGen, Ty, resolve_all};
use crate::{Cx, all};

/// A struct of `fields` (at `at`, their array in the descriptor), with the types they need.
pub(crate) fn definition(
    cx: &Cx<'_>,
    name: &Ident,
    doc: &str,
    fields: &[Field],
    parents: &[&str],
    at: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    let mut types = Vec::new();
    let gens = resolve_all(cx, fields, parents, at, &mut types)?;
    tokens(cx, name, doc, &gens, types)
}

/// One member of a struct, in pieces.
struct Member {
    decl: TokenStream,
    ctor_arg: Option<TokenStream>,
    ctor_init: TokenStream,
    setter: Option<TokenStream>,
    check: Option<TokenStream>,
}

/// The struct of resolved fields, after the `types` they need.
pub(crate) fn tokens(
    cx: &Cx<'_>,
    name: &Ident,
    doc: &str,
    gens: &[FieldGen<'_>],
    types: Vec<TokenStream>,
) -> Result<TokenStream, Vec<Diagnostic>> {
    let members = all(gens.iter().map(|g| member(cx, g)))?;
    let decls = members.iter().map(|m| &m.decl);
    let ctor_args: Vec<_> = members.iter().filter_map(|m| m.ctor_arg.as_ref()).collect();
    let ctor_inits = members.iter().map(|m| &m.ctor_init);
    let setters = members.iter().filter_map(|m| m.setter.as_ref());
    let checks: Vec<_> = members.iter().filter_map(|m| m.check.as_ref()).collect();
    let no_required = ctor_args.is_empty();
    let default_derive = no_required.then(|| quote!(Default,));
    let new_doc = if no_required {
        format!("An empty `{name}`: every field is optional and the server applies its defaults.")
    } else {
        format!("A `{name}` with its required fields; set the others with the methods below.")
    };
    let (at_param, out_param) = if checks.is_empty() {
        (quote!(_at), quote!(_out))
    } else {
        (quote!(at), quote!(out))
    };
    Ok(quote! {
        #(#types)*

        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #default_derive ::kling::__private::Wire)]
        #[non_exhaustive]
        pub struct #name { #(#decls,)* }

        impl #name {
            #[doc = #new_doc]
            #[must_use]
            pub fn new(#(#ctor_args),*) -> Self {
                Self { #(#ctor_inits,)* }
            }

            #(#setters)*

            #[doc(hidden)]
            pub fn __validate_at(&self, #at_param: &::kling::__private::At<'_>, #out_param: &mut ::std::vec::Vec<::kling::Violation>) {
                #(#checks)*
            }
        }
    })
}

/// The `#[wire(…)]` attribute of a member, when its wire form differs from its Rust type's (see
/// `kling-macros`' `Wire` derive): a renamed key, a boolean or integer sent as text, a struct that
/// may not be `null`.
fn wire_attr(g: &FieldGen<'_>, rename: bool) -> TokenStream {
    let mut args = Vec::new();
    match (&g.shape, &g.ty) {
        (Shape::BoolText(_) | Shape::IntText, _) => args.push(quote!(text)),
        (_, Ty::Struct(_)) => args.push(quote!(object)),
        (_, Ty::List(item)) if matches!(**item, Ty::Struct(_)) => args.push(quote!(object)),
        _ => {}
    }
    if rename {
        let wire = &g.field.name;
        args.push(quote!(rename = #wire));
    }
    if args.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[wire(#(#args),*)])
    }
}

fn member(cx: &Cx<'_>, g: &FieldGen<'_>) -> Result<Member, Vec<Diagnostic>> {
    let f = g.field;
    let ident = &g.ident;
    let wire = f.name.as_str();
    let ty = g.ty.tokens();
    let doc = field_doc(f);
    let attrs = wire_attr(g, naming::bare(&ident.to_string()) != wire);
    let at = format_ident!("at_{}", naming::bare(&ident.to_string()));
    let value_checks = checks(cx, &g.shape, &quote!(value), &at, &g.at)?;
    let (arg_ty, convert) = setter_conversion(&g.ty);
    let located = quote!(let #at = ::kling::__private::At::Key(at, #wire););
    if f.required {
        let conv = convert(quote!(#ident));
        return Ok(Member {
            decl: quote!(#[doc = #doc] #attrs pub #ident: #ty),
            ctor_arg: Some(quote!(#ident: #arg_ty)),
            ctor_init: quote!(#ident: #conv),
            setter: None,
            check: (!value_checks.is_empty()).then(|| {
                quote! {
                    #located
                    let value = &self.#ident;
                    #value_checks
                }
            }),
        });
    }
    let conv = convert(quote!(value));
    let setter_doc = format!("Sets `{wire}`.");
    Ok(Member {
        decl: quote! {
            #[doc = #doc]
            #attrs
            pub #ident: ::core::option::Option<#ty>
        },
        ctor_arg: None,
        ctor_init: quote!(#ident: ::core::option::Option::None),
        setter: Some(quote! {
            #[doc = #setter_doc]
            #[must_use]
            pub fn #ident(mut self, value: #arg_ty) -> Self {
                self.#ident = ::core::option::Option::Some(#conv);
                self
            }
        }),
        check: (!value_checks.is_empty()).then(|| {
            quote! {
                if let ::core::option::Option::Some(value) = &self.#ident {
                    #located
                    #value_checks
                }
            }
        }),
    })
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
    if f.format.is_some() {
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

type Convert = Box<dyn Fn(TokenStream) -> TokenStream>;

/// The argument type of a setter or constructor parameter, and how to convert it.
fn setter_conversion(ty: &Ty) -> (TokenStream, Convert) {
    match ty {
        Ty::Text => (
            quote!(impl ::core::convert::Into<::std::string::String>),
            Box::new(|v| quote!(#v.into())),
        ),
        Ty::List(item) if matches!(**item, Ty::Text) => (
            quote!(
                impl ::core::iter::IntoIterator<
                    Item = impl ::core::convert::Into<::std::string::String>,
                >
            ),
            Box::new(|v| quote!(#v.into_iter().map(::core::convert::Into::into).collect())),
        ),
        Ty::List(item) => {
            let item = item.tokens();
            (
                quote!(impl ::core::iter::IntoIterator<Item = #item>),
                Box::new(|v| quote!(#v.into_iter().collect())),
            )
        }
        other => (other.tokens(), Box::new(|v| v)),
    }
}
