//! The validation statements of a value, decided from its shape: what its Rust type does not
//! already rule out.

use kling_descriptor::Diagnostic;
use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::shape::{Bounds, Shape};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::Cx;

/// Statements checking the value behind the reference `v`, located by the `At` named `at`
/// (empty when there is nothing to check).
pub(crate) fn checks(
    cx: &Cx<'_>,
    shape: &Shape<'_>,
    v: &TokenStream,
    at: &Ident,
    pointer: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    let support = quote!(::kling::__private);
    Ok(match shape {
        Shape::Text { max_length } | Shape::Url { max_length } => {
            let len = max_length.map(|max| {
                let max = Literal::u32_unsuffixed(max);
                quote!(#support::max_length(#v, #max, &#at, out);)
            });
            let url =
                matches!(shape, Shape::Url { .. }).then(|| quote!(#support::url(#v, &#at, out);));
            quote!(#len #url)
        }
        Shape::Int(bounds) => range(cx, bounds, quote!(*#v as f64), at, pointer)?,
        Shape::Number { bounds, options } => {
            let range = range(cx, bounds, quote!(*#v), at, pointer)?;
            let options = match options {
                Some(choices) => {
                    let values = floats(cx, &choices.values, &pointer.key("options"))?;
                    quote!(#support::one_of(*#v, &[#(#values),*], &#at, out);)
                }
                None => TokenStream::new(),
            };
            quote!(#range #options)
        }
        // Both values allowed: the type says it all.
        Shape::BoolText(Some(choices)) if choices.values.len() < 2 => {
            let allowed = &choices.values;
            quote!(#support::one_of(*#v, &[#(#allowed),*], &#at, out);)
        }
        Shape::Array {
            item,
            min_items,
            max_items,
        } => {
            let count = (min_items.is_some() || max_items.is_some()).then(|| {
                let (min, max) = (opt_u32(*min_items), opt_u32(*max_items));
                quote!(#support::items(#v.len(), #min, #max, &#at, out);)
            });
            let item_at = format_ident!("{}_item", at);
            let inner = checks(cx, item, &quote!(item), &item_at, &pointer.key("items"))?;
            let each = (!inner.is_empty()).then(|| {
                quote! {
                    for (i, item) in #v.iter().enumerate() {
                        let #item_at = #support::At::Index(&#at, i);
                        #inner
                    }
                }
            });
            quote!(#count #each)
        }
        Shape::Object(_) => quote!(#v.__validate_at(&#at, out);),
        Shape::TextOption(_)
        | Shape::IntOption { .. }
        | Shape::BoolText(_)
        | Shape::IntText
        | Shape::Bool => TokenStream::new(),
    })
}

fn range(
    cx: &Cx<'_>,
    bounds: &Bounds,
    value: TokenStream,
    at: &Ident,
    pointer: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    if bounds.minimum.is_none() && bounds.maximum.is_none() {
        return Ok(TokenStream::new());
    }
    let min = opt_f64(cx, bounds.minimum, &pointer.key("minimum"))?;
    let max = opt_f64(cx, bounds.maximum, &pointer.key("maximum"))?;
    Ok(quote!(::kling::__private::range(#value, #min, #max, &#at, out);))
}

/// The literals of some numbers.
pub(crate) fn floats(
    cx: &Cx<'_>,
    values: &[f64],
    at: &Pointer,
) -> Result<Vec<Literal>, Vec<Diagnostic>> {
    values.iter().map(|x| float(cx, *x, at)).collect()
}

/// The literal of a number: JSON cannot hold any other than finite ones, but a descriptor built
/// in code can.
pub(crate) fn float(cx: &Cx<'_>, x: f64, at: &Pointer) -> Result<Literal, Vec<Diagnostic>> {
    if x.is_finite() {
        Ok(Literal::f64_unsuffixed(x))
    } else {
        Err(cx.error(
            kling_descriptor::Code::WrongShape,
            at,
            format!("{x} is not a finite number"),
            "use a number JSON can write",
        ))
    }
}

fn opt_f64(cx: &Cx<'_>, x: Option<f64>, at: &Pointer) -> Result<TokenStream, Vec<Diagnostic>> {
    Ok(match x {
        Some(x) => {
            let x = float(cx, x, at)?;
            quote!(::core::option::Option::Some(#x))
        }
        None => quote!(::core::option::Option::None),
    })
}

fn opt_u32(x: Option<u32>) -> TokenStream {
    match x {
        Some(x) => {
            let x = Literal::u32_unsuffixed(x);
            quote!(::core::option::Option::Some(#x))
        }
        None => quote!(::core::option::Option::None),
    }
}
