//! Prices of generated models: one factor table per model, from which both `cost()` and
//! `cost_breakdown()` are computed.

use crate::{ChoiceSource, MicroCents, Multiplier, PriceLine, Quote};

/// One option of a factor: its wire text, its multiplier as a fraction reduced at generation
/// time (`numerator`, `denominator`), and as the published decimal.
pub type PricedOption = (&'static str, u64, u64, Multiplier);

/// One factor of a model's price.
#[derive(Debug)]
pub struct Factor {
    /// The published label (`Duration`).
    pub label: &'static str,
    /// The field or pricing parameter it reads.
    pub field: &'static str,
    /// Every option, in the order of the value's index (the enum's variants; `false` before
    /// `true`).
    pub options: &'static [PricedOption],
}

/// A model's price table.
#[derive(Debug)]
pub struct Price {
    /// The base price in micro-cents.
    pub base: u64,
    /// The factors, in formula order.
    pub factors: &'static [Factor],
}

/// The option a factor takes for an input: its index in the factor's options, and whether the
/// input gave it (rather than the default applying).
pub type Choice = (usize, bool);

impl Price {
    /// `base × Π numerators / Π denominators`, rounded up. The descriptor checks prove that every
    /// combination fits in 64 bits and is exact; 128 bits are used only when a product does not
    /// fit, and saturation never happens.
    #[inline]
    pub fn cost(&self, choices: &[Choice]) -> MicroCents {
        let (mut num, mut den) = (self.base, 1u64);
        for (factor, &(index, _)) in self.factors.iter().zip(choices) {
            let (_, n, d, _) = factor.options[index];
            match (num.checked_mul(n), den.checked_mul(d)) {
                (Some(a), Some(b)) => (num, den) = (a, b),
                _ => return self.wide_cost(choices),
            }
        }
        MicroCents::new(if den == 1 { num } else { num.div_ceil(den) })
    }

    /// [`Price::cost`] in 128 bits.
    #[cold]
    fn wide_cost(&self, choices: &[Choice]) -> MicroCents {
        let mut num = u128::from(self.base);
        let mut den: u128 = 1;
        for (factor, &(index, _)) in self.factors.iter().zip(choices) {
            let (_, n, d, _) = factor.options[index];
            num = num.saturating_mul(u128::from(n));
            den = den.saturating_mul(u128::from(d));
        }
        MicroCents::new(u64::try_from(num.div_ceil(den)).unwrap_or(u64::MAX))
    }

    /// The price with one line per factor.
    pub fn breakdown(&self, choices: &[Choice]) -> Quote {
        let lines = self
            .factors
            .iter()
            .zip(choices)
            .map(|(factor, &(index, given))| {
                let (option, _, _, multiplier) = factor.options[index];
                PriceLine {
                    label: factor.label.to_string(),
                    field: factor.field.to_string(),
                    option: option.to_string(),
                    multiplier,
                    source: if given {
                        ChoiceSource::Given
                    } else {
                        ChoiceSource::Default
                    },
                }
            })
            .collect();
        Quote {
            base: MicroCents::new(self.base),
            lines,
            total: self.cost(choices),
            exact: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRICE: Price = Price {
        base: 84_000,
        factors: &[
            Factor {
                label: "Duration",
                field: "duration",
                options: &[
                    ("5", 5, 1, Multiplier::lit(5, 0)),
                    ("10", 10, 1, Multiplier::lit(10, 0)),
                ],
            },
            Factor {
                label: "Sound",
                field: "has_sound",
                options: &[
                    ("false", 1, 1, Multiplier::lit(1, 0)),
                    ("true", 3, 2, Multiplier::lit(15, 1)),
                ],
            },
        ],
    };

    #[test]
    fn cost_and_breakdown_read_one_table() {
        let choices = [(0, true), (1, false)];
        assert_eq!(PRICE.cost(&choices).get(), 630_000);
        let quote = PRICE.breakdown(&choices);
        assert_eq!(quote.total.get(), 630_000);
        assert_eq!(
            quote.to_string(),
            "84,000 × 5 (duration=5) × 1.5 (has_sound=true) = 630,000 micro-cents ($0.63)"
        );
        assert_eq!(quote.lines[1].source, ChoiceSource::Default);
        let rounded = Price {
            base: 1,
            factors: &PRICE.factors[1..],
        };
        assert_eq!(rounded.cost(&[(1, true)]).get(), 2);
        // Products past 64 bits are computed in 128.
        let wide = Price {
            base: u64::MAX / 2,
            factors: &PRICE.factors[1..],
        };
        assert_eq!(wide.cost(&[(1, true)]).get(), (u64::MAX / 2 / 2) * 3 + 2);
    }
}
