//! The price of a model as one table (`PRICE`) and the choice of each factor's option for an
//! input (`__price_choices`); `cost()` and `cost_breakdown()` both read them.

use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::model::{Descriptor, Factor, PricingParameter};
use kling_descriptor::naming;
use kling_descriptor::shape::{Choices, Shape};
use kling_descriptor::{Code, Diagnostic, Multiplier};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use crate::fields::{FieldGen, Ty};
use crate::{Cx, all};

/// A pricing parameter: a value that decides the price but is not sent.
pub(crate) struct Param {
    pub field: Ident,
    pub ty: Ident,
    pub variants: Vec<Ident>,
    pub default: Ident,
}

/// The enum type and variants of every pricing parameter.
pub(crate) fn parameters(cx: &Cx<'_>, d: &Descriptor) -> Result<Vec<Param>, Vec<Diagnostic>> {
    let at = Pointer::root().key("pricing").key("parameters");
    all(d.pricing.parameters.iter().enumerate().map(|(i, p)| {
        let at = at.index(i);
        let variant =
            |text: &str, at: &Pointer| cx.ident(&naming::variant_ident(&p.name, None, text), at);
        let variants = all(p
            .options
            .iter()
            .enumerate()
            .map(|(k, o)| variant(o, &at.key("options").index(k))))?;
        Ok(Param {
            field: cx.ident(&naming::field_ident(&p.name), &at.key("name"))?,
            ty: cx.ident(&naming::type_ident(&["billed", &p.name]), &at.key("name"))?,
            default: variant(&p.default, &at.key("default"))?,
            variants,
        })
    }))
}

/// The `PricingParameters` struct and one enum per parameter.
pub(crate) fn parameter_types(d: &Descriptor, params: &[Param]) -> TokenStream {
    if params.is_empty() {
        return TokenStream::new();
    }
    let enums = params.iter().zip(&d.pricing.parameters).map(|(p, decl)| {
        let (ty, default) = (&p.ty, &p.default);
        let all = &p.variants;
        let variants = all.iter().zip(&decl.options).map(|(v, o)| {
            let doc = format!("`{o}`.");
            let default = (v == default).then(|| quote!(#[default]));
            quote!(#[doc = #doc] #default #v)
        });
        let texts = &decl.options;
        let count = Literal::usize_unsuffixed(decl.options.len());
        let doc = format!(
            "The assumed `{}` for pricing: {}",
            decl.name, decl.description
        );
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
            pub enum #ty { #(#variants,)* }
            impl #ty {
                /// Every option, in published order.
                pub const ALL: [Self; #count] = [#(Self::#all),*];
                /// The option as the price table writes it.
                pub const fn as_str(self) -> &'static str { [#(#texts),*][self as usize] }
            }
        }
    });
    let members = params.iter().map(|p| {
        let (field, ty) = (&p.field, &p.ty);
        let doc = format!("The assumed `{}`.", naming::bare(&field.to_string()));
        quote!(#[doc = #doc] pub #field: #ty)
    });
    quote! {
        /// Values that decide the price but are not sent with the input; each defaults to the
        /// value the model page's default cost assumes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct PricingParameters { #(#members,)* }
        #(#enums)*
    }
}

/// One factor: its table row and the expression of its choice.
struct FactorGen {
    table: TokenStream,
    choice: TokenStream,
}

/// The price table (`const PRICE`) and `fn __price_choices`.
pub(crate) fn price(
    cx: &Cx<'_>,
    d: &Descriptor,
    gens: &[FieldGen<'_>],
    params: &[Param],
) -> Result<TokenStream, Vec<Diagnostic>> {
    let at = Pointer::root().key("pricing").key("factors");
    let factors = all(d.pricing.factors.iter().enumerate().map(|(i, factor)| {
        let at = at.index(i);
        let param = d
            .pricing
            .parameters
            .iter()
            .zip(params)
            .find(|(decl, _)| decl.name == factor.field);
        match (gens.iter().find(|g| g.field.name == factor.field), param) {
            (Some(g), _) => field_factor(cx, factor, g, &at),
            (None, Some((decl, p))) => Ok(parameter_factor(cx, factor, decl, p, &at)?),
            (None, None) => Err(cx.error(
                Code::FactorUnknownField,
                &at.key("field"),
                format!("factor on missing field `{}`", factor.field),
                "name an input field or a pricing parameter",
            )),
        }
    }))?;
    let base = Literal::u64_unsuffixed(d.pricing.base_micro_cents.get());
    let count = Literal::usize_unsuffixed(factors.len());
    let tables = factors.iter().map(|f| &f.table);
    let choices = factors.iter().map(|f| &f.choice);
    let params_arg = (!params.is_empty()).then(|| quote!(params: &PricingParameters));
    Ok(quote! {
        /// The price: the base and, per factor, each option's multiplier.
        const PRICE: ::kling::__private::Price = ::kling::__private::Price {
            base: #base,
            factors: &[#(#tables),*],
        };

        impl Input {
            /// The option of each factor of `PRICE` this input takes, and whether it was given.
            fn __price_choices(&self, #params_arg) -> [::kling::__private::Choice; #count] {
                [#(#choices),*]
            }
        }
    })
}

/// A factor table row: label, field, and each option with its multiplier, in index order.
fn table(
    cx: &Cx<'_>,
    factor: &Factor,
    options: &[&str],
    at: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    let rows = all(options.iter().map(|option| {
        let Some(m) = factor.multipliers.get(option) else {
            return Err(cx.error(
                Code::MissingMultiplier,
                &at.key("multipliers"),
                format!("no multiplier for option {option} of `{}`", factor.field),
                "the multipliers must list exactly the field's options",
            ));
        };
        let (n, d) = fraction(m);
        let (n, d) = (Literal::u64_unsuffixed(n), Literal::u64_unsuffixed(d));
        let (mantissa, scale) = (
            Literal::u64_unsuffixed(m.mantissa()),
            Literal::u8_unsuffixed(m.scale()),
        );
        Ok(quote!((#option, #n, #d, ::kling::Multiplier::lit(#mantissa, #scale))))
    }))?;
    let (label, field) = (&factor.label, &factor.field);
    Ok(quote! {
        ::kling::__private::Factor { label: #label, field: #field, options: &[#(#rows),*] }
    })
}

fn field_factor(
    cx: &Cx<'_>,
    factor: &Factor,
    g: &FieldGen<'_>,
    at: &Pointer,
) -> Result<FactorGen, Vec<Diagnostic>> {
    let f = g.field;
    let ident = &g.ident;
    let given = if f.required {
        quote!(true)
    } else {
        quote!(self.#ident.is_some())
    };
    let no_default = || {
        cx.error(
            Code::FactorWithoutDefault,
            &at.key("field"),
            format!(
                "`{}` decides the price but is optional and has no default",
                f.name
            ),
            "give the field the default the server applies",
        )
    };
    let (options, value): (Vec<&str>, TokenStream) = match (&g.shape, &g.ty) {
        (Shape::TextOption(texts), Ty::Enum(_))
        | (
            Shape::IntOption {
                options: Choices { texts, .. },
                ..
            },
            Ty::Enum(_),
        ) => {
            let value = match (f.required, &f.default) {
                (true, _) => quote!(self.#ident),
                (false, Some(_)) => quote!(self.#ident.unwrap_or_default()),
                (false, None) => return Err(no_default()),
            };
            (texts.iter().map(String::as_str).collect(), value)
        }
        (Shape::Bool | Shape::BoolText(_), _) => {
            let value = match (f.required, f.default_text().as_deref()) {
                (true, _) => quote!(self.#ident),
                (false, Some(text @ ("true" | "false"))) => {
                    let default = text == "true";
                    quote!(self.#ident.unwrap_or(#default))
                }
                (false, _) => return Err(no_default()),
            };
            let priced = ["false", "true"].map(|o| factor.multipliers.get(o).is_some());
            if priced != [true, true] {
                return Err(cx.error(
                    Code::UnsupportedFactor,
                    &at.key("multipliers"),
                    format!(
                        "factor `{}` prices only some values of a boolean; the generator prices both `false` and `true`",
                        f.name
                    ),
                    "price both values, or make the field a text option",
                ));
            }
            (vec!["false", "true"], value)
        }
        (Shape::Number { .. }, _) => {
            return Err(cx.error(
                Code::UnsupportedFactor,
                &at.key("field"),
                format!(
                    "factor `{}` is a number field; the generator prices only options, booleans and integers",
                    f.name
                ),
                "make the field a set of text or integer options",
            ));
        }
        _ => {
            return Err(cx.error(
                Code::FactorWithoutOptions,
                &at.key("field"),
                format!(
                    "`{}` has no options, so it cannot be priced per option",
                    f.name
                ),
                "give the field its options, or price it differently",
            ));
        }
    };
    Ok(FactorGen {
        table: table(cx, factor, &options, at)?,
        choice: quote!((#value as usize, #given)),
    })
}

fn parameter_factor(
    cx: &Cx<'_>,
    factor: &Factor,
    decl: &PricingParameter,
    p: &Param,
    at: &Pointer,
) -> Result<FactorGen, Vec<Diagnostic>> {
    let (field, ty, default) = (&p.field, &p.ty, &p.default);
    let options: Vec<&str> = decl.options.iter().map(String::as_str).collect();
    Ok(FactorGen {
        table: table(cx, factor, &options, at)?,
        choice: quote!((params.#field as usize, params.#field != #ty::#default)),
    })
}

/// `m = mantissa / 10^scale` as a reduced fraction.
fn fraction(m: Multiplier) -> (u64, u64) {
    let (mut n, mut d) = (m.mantissa(), 10u64.pow(u32::from(m.scale())));
    let (mut a, mut b) = (n, d);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    if a > 1 {
        n /= a;
        d /= a;
    }
    (n, d)
}
