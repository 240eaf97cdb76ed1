//! `#[derive(Wire)]`: serde and JSON Schema impls for the structs `include_models!` generates,
//! built on the generic support in `kling::__private::object` rather than serde's and schemars'
//! derives, which emit several hundred lines per struct and dominated the build time of `kling`.
//!
//! Only for generated structs: named fields, each a value or `::core::option::Option<value>`
//! (optional), with `#[wire(text)]` on booleans and integers sent as strings, `#[wire(object)]`
//! on optional structs and lists of structs (which may not be `null`), and
//! `#[wire(rename = "…")]` where the wire name differs. The impls behave as the derives did:
//! same JSON, same errors, same schema.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type};

/// One field as the derive sees it.
struct WireField {
    ident: syn::Ident,
    /// The name on the wire.
    name: String,
    /// The declared type.
    ty: Type,
    /// `T` of an `Option<T>` field.
    optional: Option<Type>,
    /// `BoolString` or `IntString` for a value sent as text.
    text: Option<TokenStream>,
    /// A struct or list of structs: never `null`.
    object: bool,
    /// (title, description) from the doc comment, as schemars reads them.
    doc: (String, String),
}

pub(crate) fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Wire)] is for generated structs, which have no generics",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input,
            "#[derive(Wire)] is for structs",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input,
            "#[derive(Wire)] is for structs with named fields",
        ));
    };
    let fields = named
        .named
        .iter()
        .map(field)
        .collect::<syn::Result<Vec<_>>>()?;
    let name = &input.ident;
    let serialize = serialize(name, &fields);
    let deserialize = deserialize(name, &fields);
    let schema = schema(name, &doc(&input.attrs), &fields);
    Ok(quote! {
        const _: () = {
            #serialize
            #deserialize
            #schema
        };
    })
}

fn field(f: &syn::Field) -> syn::Result<WireField> {
    let Some(ident) = f.ident.clone() else {
        return Err(syn::Error::new_spanned(f, "a field without a name"));
    };
    let mut name = syn::ext::IdentExt::unraw(&ident).to_string();
    let (mut text, mut object) = (false, false);
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("wire")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("text") {
                text = true;
            } else if meta.path.is_ident("object") {
                object = true;
            } else if meta.path.is_ident("rename") {
                name = meta.value()?.parse::<syn::LitStr>()?.value();
            } else {
                return Err(meta.error("expected `text`, `object` or `rename = \"…\"`"));
            }
            Ok(())
        })?;
    }
    let optional = option_inner(&f.ty);
    let text = if text {
        let value = optional.as_ref().unwrap_or(&f.ty);
        Some(text_wrapper(value)?)
    } else {
        None
    };
    Ok(WireField {
        ident,
        name,
        ty: f.ty.clone(),
        optional,
        text,
        object,
        doc: doc(&f.attrs),
    })
}

/// `T` when `ty` is `Option<T>`.
fn option_inner(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

/// The wrapper that reads and writes a value of type `ty` as text.
fn text_wrapper(ty: &Type) -> syn::Result<TokenStream> {
    match ty {
        Type::Path(path) if path.path.is_ident("bool") => {
            Ok(quote!(::kling::__private::wire::BoolString))
        }
        Type::Path(path) if path.path.is_ident("i64") => {
            Ok(quote!(::kling::__private::wire::IntString))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "#[wire(text)] is for `bool` and `i64` values",
        )),
    }
}

/// The doc comment as schemars splits it: a title when it starts with `#`, and a description.
fn doc(attrs: &[syn::Attribute]) -> (String, String) {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    let doc = lines.join("\n");
    let doc = doc.trim_ascii();
    match doc.strip_prefix('#') {
        Some(_) => {
            let end = doc.find('\n').unwrap_or(doc.len());
            let title = doc[..end].trim_start_matches('#').trim_ascii();
            (title.to_string(), doc[end..].trim_ascii().to_string())
        }
        None => (String::new(), doc.to_string()),
    }
}

fn serialize(name: &syn::Ident, fields: &[WireField]) -> TokenStream {
    let serde = quote!(::kling::__private::serde);
    let type_name = name.to_string();
    let required = fields.iter().filter(|f| f.optional.is_none()).count();
    let present = fields.iter().filter(|f| f.optional.is_some()).map(|f| {
        let ident = &f.ident;
        quote!(+ usize::from(self.#ident.is_some()))
    });
    let writes = fields.iter().map(|f| {
        let (ident, key) = (&f.ident, &f.name);
        match (&f.optional, &f.text) {
            (None, None) => quote!(__s.serialize_field(#key, &self.#ident)?;),
            (None, Some(text)) => quote!(__s.serialize_field(#key, &#text(self.#ident))?;),
            (Some(_), None) => quote! {
                if self.#ident.is_some() { __s.serialize_field(#key, &self.#ident)?; } else { __s.skip_field(#key)?; }
            },
            (Some(_), Some(text)) => quote! {
                match self.#ident {
                    ::core::option::Option::Some(v) => __s.serialize_field(#key, &#text(v))?,
                    ::core::option::Option::None => __s.skip_field(#key)?,
                }
            },
        }
    });
    quote! {
        impl #serde::Serialize for #name {
            fn serialize<__S: #serde::Serializer>(&self, __serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                use #serde::ser::SerializeStruct as _;
                let __len = #required #(#present)*;
                let mut __s = __serializer.serialize_struct(#type_name, __len)?;
                #(#writes)*
                __s.end()
            }
        }
    }
}

fn deserialize(name: &syn::Ident, fields: &[WireField]) -> TokenStream {
    let serde = quote!(::kling::__private::serde);
    let object = quote!(::kling::__private::object);
    let names = fields.iter().map(|f| &f.name);
    let slots = fields.iter().map(|f| {
        let ty = &f.ty;
        quote!(::core::option::Option<#ty>)
    });
    let empty = fields.iter().map(|_| quote!(::core::option::Option::None));
    let reads: Vec<TokenStream> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (index, key) = (syn::Index::from(i), &f.name);
            let ty = &f.ty;
            let wire = match (&f.text, &f.optional) {
                (Some(text), _) => text.clone(),
                (None, Some(inner)) if f.object => quote!(#inner),
                _ => quote!(#ty),
            };
            quote!(#object::read::<#wire, _, _>(&mut __p.#index, #key, __map))
        })
        .collect();
    let read_body = match reads.split_last() {
        Some((last, rest)) => {
            let indexes = (0..rest.len()).map(proc_macro2::Literal::usize_unsuffixed);
            quote!(match __i { #(#indexes => #rest,)* _ => #last, })
        }
        None => quote!({
            let _ = (__p, __i, __map);
            ::core::result::Result::Ok(())
        }),
    };
    let inits = fields.iter().enumerate().map(|(i, f)| {
        let (ident, index, key) = (&f.ident, syn::Index::from(i), &f.name);
        match f.optional {
            Some(_) => quote!(#ident: __p.#index.flatten()),
            None => quote!(#ident: #object::required(__p.#index, #key)?),
        }
    });
    quote! {
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<__D: #serde::Deserializer<'de>>(__d: __D) -> ::core::result::Result<Self, __D::Error> {
                #object::deserialize(__d)
            }
        }
        impl #object::Object for #name {
            const FIELDS: &'static [&'static str] = &[#(#names),*];
            type Partial = (#(#slots,)*);
            fn partial() -> Self::Partial { (#(#empty,)*) }
            fn read<'de, __A: #serde::de::MapAccess<'de>>(__p: &mut Self::Partial, __i: usize, __map: &mut __A) -> ::core::result::Result<(), __A::Error> {
                #read_body
            }
            fn finish<__E: #serde::de::Error>(__p: Self::Partial) -> ::core::result::Result<Self, __E> {
                ::core::result::Result::Ok(Self { #(#inits,)* })
            }
        }
    }
}

fn schema(name: &syn::Ident, doc: &(String, String), fields: &[WireField]) -> TokenStream {
    let schemars = quote!(::kling::__private::schemars);
    let type_name = name.to_string();
    let id = format!("::{type_name}");
    let (title, description) = doc;
    let properties = fields.iter().map(|f| {
        let key = &f.name;
        let (title, description) = &f.doc;
        let optional = f.optional.is_some();
        let subschema = match (&f.optional, &f.text) {
            (None, Some(text)) => quote!(|g: &mut #schemars::SchemaGenerator| g.subschema_for::<#text>()),
            (Some(_), Some(text)) => {
                quote!(|g: &mut #schemars::SchemaGenerator| ::kling::__private::object::nullable(g, |g| g.subschema_for::<#text>()))
            }
            (Some(inner), None) => {
                quote!(|g: &mut #schemars::SchemaGenerator| ::kling::__private::object::nullable(g, |g| g.subschema_for::<#inner>()))
            }
            (None, None) => {
                let ty = &f.ty;
                quote!(|g: &mut #schemars::SchemaGenerator| g.subschema_for::<#ty>())
            }
        };
        quote!((#key, #title, #description, #optional, #subschema))
    });
    quote! {
        impl #schemars::JsonSchema for #name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(#type_name)
            }
            fn schema_id() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), #id))
            }
            fn json_schema(generator: &mut #schemars::SchemaGenerator) -> #schemars::Schema {
                ::kling::__private::object::schema(generator, #title, #description, &[#(#properties),*])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_split_as_schemars_splits_them() {
        let attrs: Vec<syn::Attribute> =
            vec![syn::parse_quote!(#[doc = " What to show.\n\nRequired."])];
        assert_eq!(
            doc(&attrs),
            (String::new(), "What to show.\n\nRequired.".into())
        );
        let attrs: Vec<syn::Attribute> = vec![
            syn::parse_quote!(#[doc = "# Prompt"]),
            syn::parse_quote!(#[doc = "What to show."]),
        ];
        assert_eq!(doc(&attrs), ("Prompt".into(), "What to show.".into()));
    }

    #[test]
    fn optional_fields_are_recognised_by_type() {
        let ty: Type = syn::parse_quote!(::core::option::Option<::std::vec::Vec<Item>>);
        let inner: Type = syn::parse_quote!(::std::vec::Vec<Item>);
        assert_eq!(option_inner(&ty), Some(inner));
        assert_eq!(option_inner(&syn::parse_quote!(bool)), None);
    }

    #[test]
    fn what_it_cannot_derive_is_a_compile_error() {
        let tuple: DeriveInput = syn::parse_quote!(
            struct Pair(u8, u8);
        );
        assert!(derive(tuple).is_err());
        let text_string: DeriveInput = syn::parse_quote!(
            struct Input {
                #[wire(text)]
                name: ::std::string::String,
            }
        );
        let err = derive(text_string).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("#[wire(text)] is for `bool` and `i64` values")
        );
        let unknown: DeriveInput = syn::parse_quote!(
            struct Input {
                #[wire(flag)]
                on: bool,
            }
        );
        assert!(derive(unknown).is_err());
    }
}
