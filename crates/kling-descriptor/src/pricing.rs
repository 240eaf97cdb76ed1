//! Pricing a descriptor for a given choice of options, and enumerating every combination.

use std::fmt;

use crate::model::{Descriptor, Pricing};
use crate::money::{self, MicroCents, Multiplier, PriceError};

/// Where the option a factor used came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceSource {
    /// The caller gave it.
    Given,
    /// The field's (or pricing parameter's) default.
    Default,
}

/// One factor of a price, for display.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PriceLine {
    /// The factor's published label (`Duration`).
    pub label: String,
    /// The field or pricing parameter it reads.
    pub field: String,
    /// The option used, as wire text.
    pub option: String,
    /// Its multiplier.
    pub multiplier: Multiplier,
    /// Whether the option was given or defaulted.
    pub source: ChoiceSource,
}

/// A computed price with its breakdown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quote {
    /// The model's base price.
    pub base: MicroCents,
    /// One line per factor, in formula order (empty for flat prices).
    pub lines: Vec<PriceLine>,
    /// The price: `base × Π multipliers`, rounded up to a micro-cent if it ever needs rounding.
    pub total: MicroCents,
    /// Whether the product was a whole number of micro-cents (always true for valid descriptors).
    pub exact: bool,
}

impl fmt::Display for Quote {
    /// `84,000 × 5 (duration=5) × 1.5 (has_sound=true) = 630,000 micro-cents ($0.63)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", group(self.base.get()))?;
        for line in &self.lines {
            write!(f, " × {} ({}={})", line.multiplier, line.field, line.option)?;
        }
        write!(
            f,
            " = {} micro-cents ({})",
            group(self.total.get()),
            self.total
        )
    }
}

/// A number with thousands separators (`1260000` → `1,260,000`).
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why a price could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// A factor's field has no value and no default.
    #[error("`{field}` decides the price but has no value and no default")]
    NoChoice {
        /// The factor field.
        field: String,
    },
    /// The chosen option has no multiplier.
    #[error("`{option}` is not a priced option of `{field}` (priced: {priced})")]
    UnpricedOption {
        /// The factor field.
        field: String,
        /// The option given.
        option: String,
        /// The options the table prices, comma-separated.
        priced: String,
    },
    /// The arithmetic failed.
    #[error(transparent)]
    Arithmetic(#[from] PriceError),
}

impl Pricing {
    /// What the price depends on, in one line: `flat per job`, or the priced names joined by ` × `,
    /// each written by `name` (plain, or as code in Markdown).
    pub fn priced_by(&self, name: impl Fn(&str) -> String) -> String {
        if self.flat {
            return "flat per job".to_string();
        }
        let names: Vec<String> = self.factors.iter().map(|f| name(&f.field)).collect();
        names.join(" × ")
    }
}

impl Descriptor {
    /// The default option of a factor's field or pricing parameter, as wire text.
    pub fn factor_default(&self, field: &str) -> Option<String> {
        if let Some(f) = self.field(field) {
            return f.default_text();
        }
        self.parameter(field).map(|p| p.default.clone())
    }

    /// Prices the options returned by `given` (wire text per factor field; `None` = not given,
    /// so the default applies).
    ///
    /// ```
    /// # let text = include_str!("../tests/fixtures/valid/kling/demo/text-to-video.json");
    /// # let d = kling_descriptor::load::parse("demo.json".as_ref(), text).unwrap();
    /// let q = d.price_with(|field| (field == "duration").then(|| "10".to_string())).unwrap();
    /// assert_eq!(q.total.get(), 10 * 1_000 * 3 / 2);
    /// ```
    pub fn price_with(
        &self,
        mut given: impl FnMut(&str) -> Option<String>,
    ) -> Result<Quote, PricingError> {
        let mut lines = Vec::with_capacity(self.pricing.factors.len());
        for factor in &self.pricing.factors {
            let (option, source) = match given(&factor.field) {
                Some(option) => (option, ChoiceSource::Given),
                None => match self.factor_default(&factor.field) {
                    Some(option) => (option, ChoiceSource::Default),
                    None => {
                        return Err(PricingError::NoChoice {
                            field: factor.field.clone(),
                        });
                    }
                },
            };
            let Some(multiplier) = factor.multipliers.get(&option) else {
                return Err(PricingError::UnpricedOption {
                    field: factor.field.clone(),
                    option,
                    priced: factor.multipliers.options().collect::<Vec<_>>().join(", "),
                });
            };
            lines.push(PriceLine {
                label: factor.label.clone(),
                field: factor.field.clone(),
                option,
                multiplier,
                source,
            });
        }
        let price = money::price(
            self.pricing.base_micro_cents,
            lines.iter().map(|l| l.multiplier),
        )?;
        Ok(Quote {
            base: self.pricing.base_micro_cents,
            lines,
            total: price.rounded_up,
            exact: price.exact,
        })
    }

    /// How many option combinations the price table has (1 for flat prices); `None` on overflow.
    pub fn combination_count(&self) -> Option<u64> {
        self.pricing
            .factors
            .iter()
            .try_fold(1u64, |acc, f| acc.checked_mul(f.multipliers.0.len() as u64))
    }

    /// Calls `visit` with every combination of priced options, as `(field, option)` pairs in
    /// factor order.
    pub fn for_each_combination(&self, mut visit: impl FnMut(&[(&str, &str)])) {
        let factors = &self.pricing.factors;
        if factors.iter().any(|f| f.multipliers.0.is_empty()) {
            return;
        }
        let mut odometer = vec![0usize; factors.len()];
        loop {
            let combo: Vec<(&str, &str)> = factors
                .iter()
                .zip(&odometer)
                .map(|(f, &i)| (f.field.as_str(), f.multipliers.0[i].0.as_str()))
                .collect();
            visit(&combo);
            // Advance the last wheel, carrying leftwards.
            let mut wheel = factors.len();
            loop {
                if wheel == 0 {
                    return;
                }
                wheel -= 1;
                odometer[wheel] += 1;
                if odometer[wheel] < factors[wheel].multipliers.0.len() {
                    break;
                }
                odometer[wheel] = 0;
            }
        }
    }
}
