//! Pricing: flat or factored, parameters, factors and their multipliers, the documented cost,
//! and every combination of options priced exactly.

use std::collections::BTreeSet;

use super::{Checker, MAX_COMBINATIONS, list};
use crate::diagnostics::{Code, Pointer};
use crate::model::{Descriptor, Factor, NoteTopic};
use crate::pricing::PricingError;

impl Checker<'_> {
    pub(super) fn pricing(&mut self, d: &Descriptor, at: &Pointer) {
        let pricing = &d.pricing;
        if pricing.flat && !pricing.factors.is_empty() {
            self.report(
                Code::FlatWithFactors,
                &at.key("factors"),
                "a flat price cannot have factors",
                "remove `flat`, or remove the factors",
            );
        }
        if !pricing.flat && pricing.factors.is_empty() {
            self.report(
                Code::NoFactors,
                at,
                "the price has no factors",
                "set \"flat\": true for a price charged once per job",
            );
        }
        if pricing.flat
            && pricing
                .base_unit_stated
                .as_deref()
                .is_some_and(|u| u.contains("second"))
        {
            self.contradiction(
                d,
                &at.key("base_unit_stated"),
                "the page states the base price per second, but its formula is flat (charged once per job)".into(),
                NoteTopic::Pricing,
            );
        }
        self.parameters(d, at);
        let mut seen = BTreeSet::new();
        for (i, factor) in pricing.factors.iter().enumerate() {
            let p = at.key("factors").index(i);
            if !seen.insert(factor.field.as_str()) {
                self.report(
                    Code::DuplicateFactor,
                    &p.key("field"),
                    format!("`{}` is priced by two factors", factor.field),
                    "merge them into one table",
                );
                continue;
            }
            self.factor(d, factor, &p);
        }
        self.documented(d, &at.key("documented"));
        self.combinations(d, at);
    }

    /// Pricing parameters: values that are not sent but decide the price.
    fn parameters(&mut self, d: &Descriptor, at: &Pointer) {
        let mut names = BTreeSet::new();
        for (i, param) in d.pricing.parameters.iter().enumerate() {
            let p = at.key("parameters").index(i);
            if d.field(&param.name).is_some() {
                self.report(
                    Code::ParameterIsField,
                    &p.key("name"),
                    format!(
                        "pricing parameter `{}` has the name of an input field",
                        param.name
                    ),
                    "a factor on an input field needs no parameter; remove it",
                );
            }
            if !names.insert(param.name.as_str()) {
                self.report(
                    Code::DuplicateParameter,
                    &p.key("name"),
                    format!("duplicate pricing parameter `{}`", param.name),
                    "declare each parameter once",
                );
            }
            if param.options.is_empty() {
                self.report(
                    Code::ParameterWithoutOptions,
                    &p.key("options"),
                    "a pricing parameter needs options",
                    "list the values it can take",
                );
            }
            if !param.options.contains(&param.default) {
                self.report(
                    Code::DefaultNotAnOption,
                    &p.key("default"),
                    format!(
                        "default `{}` is not one of the options ({})",
                        param.default,
                        list(&param.options)
                    ),
                    "use one of the options",
                );
            }
            if !d.pricing.factors.iter().any(|f| f.field == param.name) {
                self.report(
                    Code::UnusedParameter,
                    &p,
                    format!("pricing parameter `{}` is used by no factor", param.name),
                    "remove it, or add its factor",
                );
            }
        }
    }

    /// One factor prices exactly the options of its field or parameter.
    fn factor(&mut self, d: &Descriptor, factor: &Factor, p: &Pointer) {
        let choices = match (d.field(&factor.field), d.parameter(&factor.field)) {
            (Some(field), _) => {
                if !field.required && field.default.is_none() {
                    self.report(
                        Code::FactorWithoutDefault,
                        &p.key("field"),
                        format!("`{}` decides the price but is optional and has no default", factor.field),
                        "give the field the default the server applies, so a price can always be computed",
                    );
                }
                match field.shape() {
                    Ok(shape) => shape.choices(),
                    // Reported with the field.
                    Err(_) => return,
                }
            }
            (None, Some(param)) => Some(param.options.clone()),
            (None, None) => {
                self.report(
                    Code::FactorUnknownField,
                    &p.key("field"),
                    format!("factor on missing field `{}`", factor.field),
                    format!(
                        "name one of the input fields ({}), or declare a pricing parameter for a value that is not sent",
                        list(d.fields.iter().map(|f| &f.name))
                    ),
                );
                return;
            }
        };
        let Some(choices) = choices else {
            self.report(
                Code::FactorWithoutOptions,
                &p.key("field"),
                format!(
                    "`{}` has no options, so it cannot be priced per option",
                    factor.field
                ),
                "give the field its options, or price it differently",
            );
            return;
        };
        let priced: Vec<&str> = factor.multipliers.options().collect();
        let missing: Vec<&str> = choices
            .iter()
            .map(String::as_str)
            .filter(|o| !priced.contains(o))
            .collect();
        if !missing.is_empty() {
            self.report(
                Code::MissingMultiplier,
                &p.key("multipliers"),
                format!(
                    "no multiplier for option(s) {} of `{}`",
                    list(&missing),
                    factor.field
                ),
                format!(
                    "the multipliers must list exactly the field's options: {}",
                    list(&choices)
                ),
            );
        }
        for option in priced.iter().filter(|o| !choices.iter().any(|c| c == *o)) {
            self.report(
                Code::ExtraMultiplier,
                &p.key("multipliers").key(option),
                format!(
                    "`{option}` is not an option of `{}` ({})",
                    factor.field,
                    list(&choices)
                ),
                "the multipliers must list exactly the field's options",
            );
        }
    }

    fn documented(&mut self, d: &Descriptor, at: &Pointer) {
        let doc = &d.pricing.documented;
        for (field, option) in &doc.assumes {
            let p = at.key("assumes").key(field);
            let Some(factor) = d.pricing.factors.iter().find(|f| f.field == *field) else {
                self.report(
                    Code::AssumesNonFactor,
                    &p,
                    format!("`{field}` is not a factor of the price"),
                    "only factor fields can be assumed",
                );
                continue;
            };
            if factor.multipliers.get(option).is_none() {
                self.report(
                    Code::AssumesUnpricedOption,
                    &p,
                    format!("`{option}` is not a priced option of `{field}`"),
                    format!("use one of: {}", list(factor.multipliers.options())),
                );
                continue;
            }
            if let Some(default) = d.factor_default(field)
                && default != *option
            {
                self.contradiction(
                    d,
                    &p,
                    format!("the page's default cost assumes {field}={option}, but `{field}` defaults to {default}"),
                    NoteTopic::Pricing,
                );
            }
        }
        match d.price_with(|field| doc.assumes.get(field).cloned()) {
            Ok(quote) if quote.total != doc.micro_cents => self.report(
                Code::DocumentedCostMismatch,
                &at.key("micro_cents"),
                format!(
                    "the page documents {} micro-cents, but the descriptor computes {quote}",
                    doc.micro_cents.get()
                ),
                "check the base price, the multipliers, and the options the example assumes",
            ),
            Ok(_) => {}
            // A factor on a missing field is reported by the factor checks already.
            Err(PricingError::NoChoice { field })
                if d.field(&field).is_some() || d.parameter(&field).is_some() =>
            {
                self.report(
                    Code::DocumentedCostUndefined,
                    &at.key("assumes"),
                    format!("the documented cost cannot be recomputed: `{field}` has no default"),
                    format!("state the option the page's example uses: \"assumes\": {{\"{field}\": \"…\"}}"),
                )
            }
            // Unpriced options and arithmetic failures are reported by the other checks.
            Err(_) => {}
        }
    }

    fn combinations(&mut self, d: &Descriptor, at: &Pointer) {
        match d.combination_count() {
            Some(n) if n <= MAX_COMBINATIONS => {}
            _ => {
                self.report(
                    Code::TooManyCombinations,
                    &at.key("factors"),
                    format!("the factors have more than {MAX_COMBINATIONS} option combinations"),
                    "these cannot all be verified; split the model or simplify its price",
                );
                return;
            }
        }
        let mut overflow = None;
        let mut inexact = (0u64, None);
        d.for_each_combination(|combo| {
            let chosen = |field: &str| {
                combo
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, o)| o.to_string())
            };
            match d.price_with(chosen) {
                Ok(q) if !q.exact => {
                    inexact.0 += 1;
                    inexact.1.get_or_insert(q.to_string());
                }
                Ok(_) => {}
                Err(PricingError::Arithmetic(_)) => {
                    overflow
                        .get_or_insert_with(|| list(combo.iter().map(|(f, o)| format!("{f}={o}"))));
                }
                Err(_) => {}
            }
        });
        if let Some(combo) = overflow {
            self.report(
                Code::PriceOverflow,
                &at.key("base_micro_cents"),
                format!("the price overflows 64-bit micro-cents for {combo}"),
                "check the base price and the multipliers",
            );
        }
        if let (n, Some(example)) = inexact {
            self.report(
                Code::InexactPrice,
                &at.key("factors"),
                format!("{n} option combination(s) give a price that is not a whole number of micro-cents, e.g. {example}"),
                "prices must be exact; check the base price and the decimal multipliers",
            );
        }
    }
}
