//! The module of one model: its `Input`, validation with cross-field rules, cost and `Model` impl.

use kling_descriptor::load::Loaded;
use kling_descriptor::model::{Descriptor, Factor, Rule};
use kling_descriptor::naming;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::Options;
use crate::fields::{FieldGen, Kind, resolve_all, struct_tokens};

/// Whether the generator can express a checked descriptor; the reason when it cannot.
pub(crate) fn supported(d: &Descriptor) -> Result<(), String> {
    for factor in &d.pricing.factors {
        if let Some(f) = d.field(&factor.field)
            && f.wire_type == kling_descriptor::model::WireType::Number
        {
            return Err(format!(
                "factor `{}` is a number field; the generator prices only options, booleans and integers",
                factor.field
            ));
        }
    }
    Ok(())
}

/// `m = mantissa / 10^scale` as a reduced fraction.
fn fraction(m: kling_descriptor::Multiplier) -> (u64, u64) {
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

/// How one factor reads its option, for cost and breakdown.
struct FactorGen<'a> {
    factor: &'a Factor,
    /// Expression of the chosen value (an enum variant or a bool), defaults applied.
    value: TokenStream,
    /// Expression: whether the value was given (true) or defaulted.
    given: TokenStream,
    /// Match arms `pattern => (n, d)` and `pattern => Multiplier` and `pattern => "text"`.
    arms: Vec<(TokenStream, String, kling_descriptor::Multiplier)>,
}

fn factor_gen<'a>(
    d: &Descriptor,
    factor: &'a Factor,
    gens: &[FieldGen<'_>],
    params: &[(Ident, Ident)],
) -> FactorGen<'a> {
    // A pricing parameter (not sent): read from `params`.
    if let Some((field_ident, ty)) = params.iter().find(|(f, _)| {
        naming::bare(&f.to_string()) == naming::bare(&naming::field_ident(&factor.field))
    }) {
        let param = d.parameter(&factor.field);
        let arms = factor
            .multipliers
            .0
            .iter()
            .map(|(option, m)| {
                let v = format_ident!("{}", naming::variant_ident(&factor.field, None, option));
                (quote!(#ty::#v), option.clone(), *m)
            })
            .collect();
        let default = param.map(|p| p.default.clone()).unwrap_or_default();
        let default_v = format_ident!("{}", naming::variant_ident(&factor.field, None, &default));
        return FactorGen {
            factor,
            value: quote!(params.#field_ident),
            given: quote!(params.#field_ident != #ty::#default_v),
            arms,
        };
    }
    let g = gens.iter().find(|g| g.field.name == factor.field);
    let Some(g) = g else {
        return FactorGen {
            factor,
            value: quote!(()),
            given: quote!(false),
            arms: Vec::new(),
        };
    };
    let ident = &g.ident;
    let f = g.field;
    let (value, given) = match (&g.kind, f.required) {
        (_, true) => (quote!(self.#ident), quote!(true)),
        (Kind::Enum(_), false) => (
            quote!(self.#ident.unwrap_or_default()),
            quote!(self.#ident.is_some()),
        ),
        (_, false) => {
            let default = f.default_text().as_deref() == Some("true");
            (
                quote!(self.#ident.unwrap_or(#default)),
                quote!(self.#ident.is_some()),
            )
        }
    };
    let arms = factor
        .multipliers
        .0
        .iter()
        .map(|(option, m)| {
            let pattern = match &g.kind {
                Kind::Enum(spec) => {
                    let ty = &spec.ident;
                    let v = spec
                        .variant_of(option)
                        .cloned()
                        .unwrap_or_else(|| format_ident!("Unknown"));
                    quote!(#ty::#v)
                }
                _ => {
                    let b = option == "true";
                    quote!(#b)
                }
            };
            (pattern, option.clone(), *m)
        })
        .collect();
    FactorGen {
        factor,
        value,
        given,
        arms,
    }
}

pub(crate) fn module(loaded: &Loaded, options: &Options) -> TokenStream {
    let d = &loaded.descriptor;
    let capability = d.slug.rsplit('/').next().unwrap_or_default();
    let module_ident = format_ident!("{}", naming::module_ident(capability));
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
    let gens = resolve_all(&d.fields, &[], &mut types);

    // Pricing parameters: values that decide the price but are not sent.
    let mut param_fields = Vec::new();
    let mut param_types = Vec::new();
    for p in &d.pricing.parameters {
        let field_ident = crate::ident(&naming::field_ident(&p.name));
        let ty = format_ident!("{}", naming::type_ident(&["billed", &p.name]));
        let variants: Vec<Ident> = p
            .options
            .iter()
            .map(|o| format_ident!("{}", naming::variant_ident(&p.name, None, o)))
            .collect();
        let default = format_ident!("{}", naming::variant_ident(&p.name, None, &p.default));
        let docs = p.options.iter().map(|o| format!("`{o}`."));
        let wires = &p.options;
        let count = Literal::usize_unsuffixed(p.options.len());
        let doc = format!("The assumed `{}` for pricing: {}", p.name, p.description);
        param_types.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum #ty { #(#[doc = #docs] #variants,)* }
            impl #ty {
                /// Every option, in published order.
                pub const ALL: [Self; #count] = [#(Self::#variants),*];
                /// The option as the price table writes it.
                pub const fn as_str(self) -> &'static str { match self { #(Self::#variants => #wires,)* } }
            }
            impl ::core::default::Default for #ty {
                fn default() -> Self { Self::#default }
            }
        });
        param_fields.push((field_ident, ty));
    }
    let has_params = !param_fields.is_empty();
    let params_struct = has_params.then(|| {
        let members = param_fields.iter().map(|(f, ty)| {
            let doc = format!("The assumed `{}`.", naming::bare(&f.to_string()));
            quote!(#[doc = #doc] pub #f: #ty)
        });
        quote! {
            /// Values that decide the price but are not sent with the input; each defaults to the
            /// value the model page's default cost assumes.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
            pub struct PricingParameters { #(#members,)* }
            #(#param_types)*
        }
    });

    let base = Literal::u64_unsuffixed(d.pricing.base_micro_cents.get());
    let factors: Vec<FactorGen<'_>> = d
        .pricing
        .factors
        .iter()
        .map(|f| factor_gen(d, f, &gens, &param_fields))
        .collect();
    let fractions = factors.iter().map(|fg| {
        let value = &fg.value;
        let arms = fg.arms.iter().map(|(pattern, _, m)| {
            let (n, den) = fraction(*m);
            let (n, den) = (Literal::u64_unsuffixed(n), Literal::u64_unsuffixed(den));
            quote!(#pattern => (#n, #den))
        });
        quote!(match #value { #(#arms,)* })
    });
    let lines = factors.iter().map(|fg| {
        let value = &fg.value;
        let given = &fg.given;
        let label = &fg.factor.label;
        let field = &fg.factor.field;
        let arms = fg.arms.iter().map(|(pattern, text, m)| {
            let (mantissa, scale) = (Literal::u64_unsuffixed(m.mantissa()), Literal::u8_unsuffixed(m.scale()));
            quote!(#pattern => (#text, const { ::kling::Multiplier::lit(#mantissa, #scale) }))
        });
        quote! {{
            let (option, multiplier) = match #value { #(#arms,)* };
            ::kling::PriceLine {
                label: #label.to_string(),
                field: #field.to_string(),
                option: option.to_string(),
                multiplier,
                source: if #given { ::kling::ChoiceSource::Given } else { ::kling::ChoiceSource::Default },
            }
        }}
    });
    let params_arg = has_params.then(|| quote!(params: &PricingParameters));
    let params_arg_name = has_params.then(|| quote!(params));
    let price_fns = quote! {
        fn __cost(&self, #params_arg) -> ::kling::MicroCents {
            ::kling::check::price(#base, &[#(#fractions),*])
        }
        fn __cost_breakdown(&self, #params_arg) -> ::kling::Quote {
            ::kling::Quote {
                base: ::kling::MicroCents::new(#base),
                lines: ::std::vec![#(#lines),*],
                total: self.__cost(#params_arg_name),
                exact: true,
            }
        }
    };
    let default_params = has_params.then(|| quote!(&PricingParameters::default()));
    let with_params = has_params.then(|| {
        quote! {
            /// The list price for explicit pricing parameters (see [`PricingParameters`]).
            pub fn cost_with(&self, params: &PricingParameters) -> ::kling::MicroCents { self.__cost(params) }
            /// The price breakdown for explicit pricing parameters.
            pub fn cost_breakdown_with(&self, params: &PricingParameters) -> ::kling::Quote { self.__cost_breakdown(params) }
        }
    });

    let rules = d.rules.iter().map(|r| rule_checks(d, r, &gens));
    let input_ident = format_ident!("Input");
    let input_doc = format!("The input of `{}`: {}", d.slug, d.summary);
    let input = struct_tokens(&input_ident, &input_doc, &gens, types);

    let slug = &d.slug;
    let (provider, model, cap, summary, docs_url) = (
        &d.provider,
        &d.model,
        &d.capability,
        &d.summary,
        &d.docs_url,
    );
    let flat = d.pricing.flat;
    let secs = Literal::u32_unsuffixed(d.processing_time_seconds);
    let module_doc = format!(
        "{} — {} (`{}`).\n\n{}\n\nBase price {} micro-cents ({}){}; typically ready in about {} s. [Model page]({}).",
        d.model,
        d.capability,
        d.slug,
        d.summary,
        d.pricing.base_micro_cents.get(),
        d.pricing.base_micro_cents,
        if flat { ", flat per job" } else { "" },
        secs,
        d.docs_url
    );
    quote! {
        #[doc = #module_doc]
        pub mod #module_ident {
            #include
            #input
            #params_struct

            impl Input {
                #price_fns
                #with_params
            }

            impl ::kling::Model for Input {
                const SLUG: &'static str = #slug;
                const INFO: ::kling::ModelInfo = ::kling::ModelInfo::new(#slug, #provider, #model, #cap, #summary, #docs_url, #base, #flat, #secs);

                fn validate(&self) -> ::core::result::Result<(), ::kling::Violations> {
                    let mut violations = ::std::vec::Vec::new();
                    let out = &mut violations;
                    let at = &::kling::check::At::Root;
                    self.__validate_at(at, out);
                    #(#rules)*
                    ::kling::Violations(violations).into_result()
                }

                fn cost(&self) -> ::kling::MicroCents { self.__cost(#default_params) }

                fn cost_breakdown(&self) -> ::kling::Quote { self.__cost_breakdown(#default_params) }
            }
        }
    }
}

/// A number from a field value of kind `kind` behind the reference expression `v`.
fn numeric(kind: &Kind, v: TokenStream) -> TokenStream {
    match kind {
        Kind::Enum(_) => quote!(#v.value() as f64),
        Kind::Float { .. } => quote!(*#v),
        _ => quote!(*#v as f64),
    }
}

fn rule_checks(d: &Descriptor, rule: &Rule, gens: &[FieldGen<'_>]) -> TokenStream {
    let find = |name: &str| gens.iter().find(|g| g.field.name == name);
    let optional = |g: &FieldGen<'_>| {
        let ident = &g.ident;
        if g.field.required {
            quote!(::core::option::Option::Some(&self.#ident))
        } else {
            quote!(self.#ident.as_ref())
        }
    };
    match rule {
        Rule::MaxItemsWhenPresent {
            array,
            when_present,
            max_items,
        } => {
            let (Some(a), Some(w)) = (find(array), find(when_present)) else {
                return TokenStream::new();
            };
            let items = optional(a);
            let present = optional(w);
            let max = Literal::u32_unsuffixed(*max_items);
            quote! {
                if !::kling::check::touched(out, &[#array]) {
                    if let ::core::option::Option::Some(items) = #items {
                        ::kling::check::max_items_when_present(items.len(), #present.is_some(), #max, &::kling::check::At::Key(at, #array), #when_present, out);
                    }
                }
            }
        }
        Rule::ItemSumAtMost {
            array,
            item_field,
            limit_field,
        } => {
            let (Some(a), Some(l)) = (find(array), find(limit_field)) else {
                return TokenStream::new();
            };
            let Kind::List { item, .. } = &a.kind else {
                return TokenStream::new();
            };
            let Kind::Struct(_) = item.as_ref() else {
                return TokenStream::new();
            };
            let items_decl = d
                .field(array)
                .and_then(|f| f.items.as_deref())
                .map(|items| resolve_all(&items.fields, &[array.as_str()], &mut Vec::new()));
            let Some(item_gens) = items_decl else {
                return TokenStream::new();
            };
            let Some(member) = item_gens.iter().find(|g| g.field.name == *item_field) else {
                return TokenStream::new();
            };
            let member_ident = &member.ident;
            let member_value = numeric(&member.kind, quote!(v));
            let member_sum = if member.field.required {
                quote!(items.iter().map(|item| { let v = &item.#member_ident; #member_value }).sum::<f64>())
            } else {
                quote!(items.iter().filter_map(|item| item.#member_ident.as_ref()).map(|v| #member_value).sum::<f64>())
            };
            let items = optional(a);
            let limit_ident = &l.ident;
            let limit_value = numeric(&l.kind, quote!(v));
            let limit = if l.field.required {
                quote!(::core::option::Option::Some({ let v = &self.#limit_ident; #limit_value }))
            } else if let Some(default) = l.field.default_text().and_then(|t| t.parse::<f64>().ok())
            {
                let default = Literal::f64_unsuffixed(default);
                quote!(::core::option::Option::Some(self.#limit_ident.as_ref().map_or(#default, |v| #limit_value)))
            } else {
                quote!(self.#limit_ident.as_ref().map(|v| #limit_value))
            };
            quote! {
                if !::kling::check::touched(out, &[#array, #limit_field]) {
                    if let (::core::option::Option::Some(items), ::core::option::Option::Some(limit)) = (#items, #limit) {
                        ::kling::check::item_sum_at_most(#member_sum, limit, &::kling::check::At::Key(at, #array), #item_field, #limit_field, out);
                    }
                }
            }
        }
    }
}
