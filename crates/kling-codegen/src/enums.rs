//! Closed enums of options. Each declares its variants and option table; the impls every such
//! enum shares (text, parsing, serde, JSON Schema) come from `kling`'s support module.

use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::model::Field;
use kling_descriptor::naming;
use kling_descriptor::shape::Shape;
use kling_descriptor::{Code, Diagnostic};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use crate::{Cx, all};

/// An enum of options, resolved.
pub(crate) struct EnumSpec {
    pub ident: Ident,
    /// (variant, wire text), in published order.
    pub variants: Vec<(Ident, String)>,
    /// The variant of the server's default.
    pub default: Option<Ident>,
    /// The number of each option, when options are whole numbers.
    pub values: Option<Vec<i64>>,
    /// Sent as a JSON integer rather than as text.
    pub integer_wire: bool,
}

impl EnumSpec {
    pub fn variant_of(&self, wire: &str) -> Option<&Ident> {
        self.variants
            .iter()
            .find(|(_, w)| w == wire)
            .map(|(v, _)| v)
    }
}

/// The enum of a field whose shape is a set of options, named after its `path`.
pub(crate) fn spec(
    cx: &Cx<'_>,
    f: &Field,
    shape: &Shape<'_>,
    path: &[&str],
    at: &Pointer,
) -> Result<EnumSpec, Vec<Diagnostic>> {
    let (texts, values, integer_wire) = match shape {
        Shape::TextOption(texts) => (*texts, None, false),
        Shape::IntOption { options, as_text } => {
            (options.texts, Some(options.values.clone()), !as_text)
        }
        _ => {
            return Err(cx.error(
                Code::FactorWithoutOptions,
                at,
                format!("`{}` has no options to make an enum of", f.name),
                "give the field its options",
            ));
        }
    };
    let options = at.key("options");
    let variants = all(texts.iter().enumerate().map(|(i, text)| {
        let variant = naming::variant_ident(&f.name, f.unit.as_deref(), text);
        Ok((cx.ident(&variant, &options.index(i))?, text.clone()))
    }))?;
    let mut spec = EnumSpec {
        ident: cx.ident(&naming::type_ident(path), at)?,
        variants,
        default: None,
        values,
        integer_wire,
    };
    if let Some(default) = f.default_text() {
        let Some(variant) = spec.variant_of(&default).cloned() else {
            return Err(cx.error(
                Code::DefaultNotAnOption,
                &at.key("default"),
                format!(
                    "default `{default}` is not one of the options of `{}`",
                    f.name
                ),
                "use one of the options, or correct the options",
            ));
        };
        spec.default = Some(variant);
    }
    Ok(spec)
}

/// The enum, its option table, and the invocation of `kling`'s `option_enum!` for its impls.
pub(crate) fn definition(spec: &EnumSpec, f: &Field) -> TokenStream {
    let name = &spec.ident;
    let count = Literal::usize_unsuffixed(spec.variants.len());
    let doc = format!("The options of `{}`: {}", f.name, f.description);
    let all = spec.variants.iter().map(|(v, _)| quote!(Self::#v));
    let texts = spec.variants.iter().map(|(_, w)| w);
    let variants = spec.variants.iter().map(|(v, w)| {
        let mut doc = match &f.unit {
            Some(unit) => format!("`{w}` ({unit})."),
            None => format!("`{w}`."),
        };
        let default = (spec.default.as_ref() == Some(v)).then(|| quote!(#[default]));
        if default.is_some() {
            doc.push_str(" The server's default.");
        }
        quote!(#[doc = #doc] #default #v)
    });
    let default_derive = spec.default.is_some().then(|| quote!(Default,));
    let values = spec.values.as_ref().map(|values| {
        let values = values.iter().map(|n| Literal::i64_unsuffixed(*n));
        quote!(const VALUES: [i64; #count] = [#(#values),*];)
    });
    let impls = match (&spec.values, spec.integer_wire) {
        (_, true) => quote!(::kling::__private::option_enum!(#name, integers);),
        (Some(_), false) => quote!(::kling::__private::option_enum!(#name, numbers);),
        (None, false) => quote!(::kling::__private::option_enum!(#name);),
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, #default_derive)]
        pub enum #name { #(#variants,)* }

        impl #name {
            /// Every option, in published order.
            pub const ALL: [Self; #count] = [#(#all),*];

            /// The wire text of every option, in the order of `ALL`.
            pub const OPTIONS: [&'static str; #count] = [#(#texts),*];

            #values
        }

        #impls
    }
}
