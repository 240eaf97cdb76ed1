//! Money and the exact price arithmetic.
//!
//! PixelByte bills in integer **micro-cents**, where 1,000,000 micro-cents make one US dollar
//! (the API's unit name is odd, but its docs are consistent: 84,000 micro-cents = $0.084).
//!
//! A price is `base × m₁ × m₂ × …`, where each multiplier is an exact decimal such as `1.5`.
//! The product is computed as an exact fraction in 128-bit integers, with every step checked
//! for overflow.
//!
//! **Rounding rule.** If the exact product is not a whole number of micro-cents it is rounded
//! *up* to the next micro-cent, so a quote never understates a charge. Descriptor validation
//! rejects any descriptor for which some combination of options would need rounding, so for
//! every shipped model the rule never actually applies: prices are exact.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money in micro-cents (1,000,000 micro-cents = 1 US dollar).
///
/// ```
/// use kling_descriptor::MicroCents;
/// let price = MicroCents::new(420_000);
/// assert_eq!(price.to_string(), "$0.42");
/// assert_eq!(MicroCents::from_usd("0.42").unwrap(), price);
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(transparent)]
pub struct MicroCents(pub u64);

/// Micro-cents in one US dollar.
pub const MICRO_CENTS_PER_USD: u64 = 1_000_000;

impl MicroCents {
    /// Wraps a raw micro-cent amount.
    pub const fn new(value: u64) -> Self {
        Self(value)
    }

    /// The raw micro-cent amount.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Parses a dollar amount such as `"1"`, `"0.42"` or `"$2.5"`, exactly (at most six decimals).
    pub fn from_usd(text: &str) -> Result<Self, PriceError> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix('$').unwrap_or(trimmed);
        let dec = Decimal::parse(digits, 6).map_err(|reason| PriceError::InvalidAmount {
            text: text.to_owned(),
            reason,
        })?;
        let factor = 10u64.pow(6 - u32::from(dec.scale));
        dec.mantissa
            .checked_mul(factor)
            .map(Self)
            .ok_or(PriceError::Overflow)
    }

    /// The amount in dollars as an exact decimal string without a currency sign
    /// (`"0.42"`, `"1"`, `"0.000001"`).
    pub fn usd_decimal(self) -> String {
        let whole = self.0 / MICRO_CENTS_PER_USD;
        let frac = self.0 % MICRO_CENTS_PER_USD;
        if frac == 0 {
            return whole.to_string();
        }
        let frac = format!("{frac:06}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }

    /// Adds two amounts, `None` on overflow.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }
}

impl fmt::Display for MicroCents {
    /// Dollars with at least two decimals: `$0.42`, `$0.084`, `$12.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.usd_decimal();
        match text.split_once('.') {
            None => write!(f, "${text}.00"),
            Some((whole, frac)) if frac.len() == 1 => write!(f, "${whole}.{frac}0"),
            Some(_) => write!(f, "${text}"),
        }
    }
}

impl From<u64> for MicroCents {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

/// Why a price or an amount could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    /// An intermediate or final value does not fit (u128 while computing, u64 for the result).
    #[error("the price overflows the 64-bit micro-cent range")]
    Overflow,
    /// A multiplier or dollar amount is not a valid decimal.
    #[error("`{text}` is not a valid amount: {reason}")]
    InvalidAmount {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Largest number of fractional digits a multiplier may have.
pub const MAX_MULTIPLIER_SCALE: u8 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    mantissa: u64,
    scale: u8,
}

impl Decimal {
    /// Parses `digits[.digits]` with at most `max_scale` fractional digits, trailing zeros dropped.
    fn parse(text: &str, max_scale: u8) -> Result<Self, String> {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || text.ends_with('.') {
            return Err("expected digits with an optional decimal point, like 1.5".into());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > usize::from(max_scale) {
            return Err(format!("more than {max_scale} decimal places"));
        }
        let mut mantissa: u64 = 0;
        for b in whole.bytes().chain(frac.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| "too large".to_string())?;
        }
        Ok(Self {
            mantissa,
            // frac.len() <= max_scale <= u8::MAX, so this cannot truncate.
            scale: frac.len() as u8,
        })
    }
}

/// An exact, non-negative decimal multiplier such as `1.5` (at most six decimal places).
///
/// Serialized as a string (`"1.5"`) so that no binary floating point is ever involved.
///
/// ```
/// use kling_descriptor::Multiplier;
/// let m: Multiplier = "1.5".parse().unwrap();
/// assert_eq!((m.mantissa(), m.scale()), (15, 1));
/// assert_eq!(m.to_string(), "1.5");
/// assert!("1.2345678".parse::<Multiplier>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Multiplier {
    mantissa: u64,
    scale: u8,
}

impl Multiplier {
    /// The multiplier 1.
    pub const ONE: Self = Self {
        mantissa: 1,
        scale: 0,
    };

    /// Builds `mantissa / 10^scale`; `None` when `scale` exceeds [`MAX_MULTIPLIER_SCALE`].
    pub const fn new(mantissa: u64, scale: u8) -> Option<Self> {
        if scale > MAX_MULTIPLIER_SCALE {
            None
        } else {
            Some(Self { mantissa, scale })
        }
    }

    /// Builds `mantissa / 10^scale` in constant context; for generated code, where an invalid
    /// scale is a compile-time error.
    pub const fn lit(mantissa: u64, scale: u8) -> Self {
        assert!(
            scale <= MAX_MULTIPLIER_SCALE,
            "a multiplier has at most six decimal places"
        );
        Self { mantissa, scale }
    }

    /// The integer digits (`15` for `1.5`).
    pub const fn mantissa(self) -> u64 {
        self.mantissa
    }

    /// The number of decimal places (`1` for `1.5`).
    pub const fn scale(self) -> u8 {
        self.scale
    }

    /// Whether this multiplier is a whole number.
    pub fn is_integral(self) -> bool {
        self.mantissa
            .is_multiple_of(10u64.pow(u32::from(self.scale)))
    }
}

impl FromStr for Multiplier {
    type Err = PriceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let dec = Decimal::parse(text, MAX_MULTIPLIER_SCALE).map_err(|reason| {
            PriceError::InvalidAmount {
                text: text.to_owned(),
                reason,
            }
        })?;
        Ok(Self {
            mantissa: dec.mantissa,
            scale: dec.scale,
        })
    }
}

impl fmt::Display for Multiplier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pow = 10u64.pow(u32::from(self.scale));
        let (whole, frac) = (self.mantissa / pow, self.mantissa % pow);
        if self.scale == 0 || frac == 0 {
            write!(f, "{whole}")
        } else {
            let frac = format!("{frac:0width$}", width = usize::from(self.scale));
            write!(f, "{whole}.{}", frac.trim_end_matches('0'))
        }
    }
}

impl Serialize for Multiplier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Multiplier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Multiplier {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Multiplier".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An exact decimal multiplier written as a string, at most six decimal places (\"1\", \"1.5\").",
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]{1,6})?$"
        })
    }
}

/// The exact result of `base × Π multipliers` before rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactPrice {
    /// The price rounded up to a whole micro-cent.
    pub rounded_up: MicroCents,
    /// Whether the product was already a whole number of micro-cents.
    pub exact: bool,
}

/// Multiplies a base price by every multiplier, exactly, and rounds up (see the module docs).
///
/// ```
/// use kling_descriptor::{MicroCents, Multiplier, money::price};
/// let m = |s: &str| s.parse::<Multiplier>().unwrap();
/// let p = price(MicroCents::new(84_000), [m("5"), m("1.5")]).unwrap();
/// assert_eq!(p.rounded_up, MicroCents::new(630_000));
/// assert!(p.exact);
/// ```
pub fn price(
    base: MicroCents,
    multipliers: impl IntoIterator<Item = Multiplier>,
) -> Result<ExactPrice, PriceError> {
    let mut numerator = u128::from(base.0);
    let mut denominator: u128 = 1;
    for m in multipliers {
        numerator = numerator
            .checked_mul(u128::from(m.mantissa))
            .ok_or(PriceError::Overflow)?;
        denominator = denominator
            .checked_mul(10u128.pow(u32::from(m.scale)))
            .ok_or(PriceError::Overflow)?;
        // Keep the fraction small so long products of decimals cannot overflow needlessly.
        let g = gcd(numerator, denominator);
        if g > 1 {
            numerator /= g;
            denominator /= g;
        }
    }
    let whole = numerator / denominator;
    let exact = numerator % denominator == 0;
    let rounded = if exact { whole } else { whole + 1 };
    let rounded = u64::try_from(rounded).map_err(|_| PriceError::Overflow)?;
    Ok(ExactPrice {
        rounded_up: MicroCents(rounded),
        exact,
    })
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Multiplier {
        s.parse().unwrap()
    }

    #[test]
    fn multipliers_parse_exactly_and_print_canonically() {
        assert_eq!(m("1.50"), m("1.5"));
        assert_eq!(m("1.50").to_string(), "1.5");
        assert_eq!(m("10").to_string(), "10");
        assert_eq!(m("0.000001").to_string(), "0.000001");
        assert!(m("2").is_integral());
        assert!(!m("1.5").is_integral());
        for bad in [
            "",
            ".5",
            "1.",
            "-1",
            "1e3",
            "1.2.3",
            "1,5",
            "0.0000001",
            " 1",
        ] {
            assert!(
                bad.parse::<Multiplier>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn price_is_exact_and_rounds_up_only_when_needed() {
        let p = price(MicroCents(112_000), [m("1.5"), m("5")]).unwrap();
        assert_eq!((p.rounded_up, p.exact), (MicroCents(840_000), true));
        let p = price(MicroCents(1), [m("1.5")]).unwrap();
        assert_eq!((p.rounded_up, p.exact), (MicroCents(2), false));
        let p = price(MicroCents(3), [m("0.333333")]).unwrap();
        assert_eq!((p.rounded_up, p.exact), (MicroCents(1), false));
        assert_eq!(price(MicroCents(7), []).unwrap().rounded_up, MicroCents(7));
    }

    #[test]
    fn price_overflow_is_reported_not_wrapped() {
        assert_eq!(
            price(MicroCents(u64::MAX), [m("2")]),
            Err(PriceError::Overflow)
        );
        // Many fractional multipliers stay exact thanks to the reduction step.
        let halves = std::iter::repeat_n(m("0.5"), 40);
        let p = price(MicroCents(1 << 40), halves).unwrap();
        assert_eq!((p.rounded_up, p.exact), (MicroCents(1), true));
    }

    #[test]
    fn dollars_round_trip() {
        assert_eq!(MicroCents(420_000).to_string(), "$0.42");
        assert_eq!(MicroCents(84_000).to_string(), "$0.084");
        assert_eq!(MicroCents(12_000_000).to_string(), "$12.00");
        assert_eq!(MicroCents(1).to_string(), "$0.000001");
        assert_eq!(MicroCents::from_usd("$2.5").unwrap(), MicroCents(2_500_000));
        assert_eq!(MicroCents::from_usd("0.000001").unwrap(), MicroCents(1));
        assert!(MicroCents::from_usd("0.0000001").is_err());
        assert!(MicroCents::from_usd("abc").is_err());
    }
}
