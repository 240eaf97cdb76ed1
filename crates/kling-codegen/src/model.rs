//! The module of one model: its `Input`, pricing parameters, price table, validation with
//! cross-field rules, and `Model` impl.

use kling_descriptor::Diagnostic;
use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::load::Loaded;
use kling_descriptor::model::Descriptor;
use kling_descriptor::naming;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::fields::resolve_all;
use crate::{Cx, Options, price, rules, slug_parts, structs};

pub(crate) fn module(loaded: &Loaded, options: &Options) -> Result<TokenStream, Vec<Diagnostic>> {
    let d = &loaded.descriptor;
    let cx = Cx { file: &loaded.file };
    let (_, _, capability) = slug_parts(loaded)?;
    let module_ident = cx.ident(
        &naming::module_ident(capability),
        &Pointer::root().key("slug"),
    )?;
    let include = options.include_dir.as_ref().map(|dir| {
        let path = dir
            .join(&loaded.relative_path)
            .to_string_lossy()
            .into_owned();
        quote!(
            const _: &str = ::core::include_str!(#path);
        )
    });

    let mut types = Vec::new();
    let gens = resolve_all(
        &cx,
        &d.fields,
        &[],
        &Pointer::root().key("fields"),
        &mut types,
    )?;
    let params = price::parameters(&cx, d)?;
    let price = price::price(&cx, d, &gens, &params)?;
    let rules = rules::rules(&cx, d, &gens)?;
    let input_doc = format!("The input of `{}`: {}", d.slug, d.summary);
    let input = structs::tokens(&cx, &format_ident!("Input"), &input_doc, &gens, types)?;
    let params_types = price::parameter_types(d, &params);
    let has_params = !params.is_empty();
    let default_params = has_params.then(|| quote!(&PricingParameters::default()));
    let with_params = has_params.then(|| {
        quote! {
            impl Input {
                /// The list price for explicit pricing parameters (see [`PricingParameters`]).
                pub fn cost_with(&self, params: &PricingParameters) -> ::kling::MicroCents {
                    PRICE.cost(&self.__price_choices(params))
                }
                /// The price breakdown for explicit pricing parameters.
                pub fn cost_breakdown_with(&self, params: &PricingParameters) -> ::kling::Quote {
                    PRICE.breakdown(&self.__price_choices(params))
                }
            }
        }
    });

    let module_doc = module_doc(d);
    let model_impl = model_impl(d, &rules, default_params);
    Ok(quote! {
        #[doc = #module_doc]
        pub mod #module_ident {
            #include
            #input
            #params_types
            #price
            #with_params

            #model_impl
        }
    })
}

/// What the model's page says, for the module docs.
fn module_doc(d: &Descriptor) -> String {
    format!(
        "{} — {} (`{}`).\n\n{}\n\nBase price {} micro-cents ({}){}; typically ready in about {} s. [Model page]({}).",
        d.model,
        d.capability,
        d.slug,
        d.summary,
        d.pricing.base_micro_cents.get(),
        d.pricing.base_micro_cents,
        if d.pricing.flat { ", flat per job" } else { "" },
        d.processing_time_seconds,
        d.docs_url
    )
}

/// `impl kling::Model for Input`: facts, validation with the rules, and the price.
fn model_impl(
    d: &Descriptor,
    rules: &[TokenStream],
    default_params: Option<TokenStream>,
) -> TokenStream {
    let slug = &d.slug;
    let (provider, model, cap, summary, docs_url) = (
        &d.provider,
        &d.model,
        &d.capability,
        &d.summary,
        &d.docs_url,
    );
    let flat = d.pricing.flat;
    let base = Literal::u64_unsuffixed(d.pricing.base_micro_cents.get());
    let secs = Literal::u32_unsuffixed(d.processing_time_seconds);
    quote! {
        impl ::kling::Model for Input {
            const SLUG: &'static str = #slug;
            const INFO: ::kling::ModelInfo = ::kling::ModelInfo::new(#slug, #provider, #model, #cap, #summary, #docs_url, #base, #flat, #secs);

            fn validate(&self) -> ::core::result::Result<(), ::kling::Violations> {
                let mut violations = ::std::vec::Vec::new();
                let out = &mut violations;
                let at = &::kling::__private::At::Root;
                self.__validate_at(at, out);
                #(#rules)*
                ::kling::Violations(violations).into_result()
            }

            fn cost(&self) -> ::kling::MicroCents {
                PRICE.cost(&self.__price_choices(#default_params))
            }

            fn cost_breakdown(&self) -> ::kling::Quote {
                PRICE.breakdown(&self.__price_choices(#default_params))
            }
        }
    }
}
