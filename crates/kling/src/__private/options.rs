//! What every generated enum of options has in common, written once: its text, parsing,
//! serde and JSON Schema come from its table of options.
//!
//! A generated enum declares its variants, `ALL` and `OPTIONS` (and `VALUES` for numbers), then
//! invokes [`option_enum!`], whose impls call the generic functions here.

use std::borrow::Cow;
use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use crate::UnknownOption;

/// A generated enum of options, variant `i` being option `i` of the table.
pub trait OptionEnum: Copy + 'static {
    /// Every option, in published order.
    const ALL: &'static [Self];
    /// The wire text of each option, in the order of `ALL`.
    const OPTIONS: &'static [&'static str];
    /// Each option as a JSON integer, when options travel as integers rather than text.
    const INTEGERS: Option<&'static [i64]>;

    /// The position of this option in the table.
    fn index(self) -> usize;
}

// The generic functions below are instantiated per enum (and per serializer or deserializer):
// each only picks the table and the variant, and leaves the work to a function that is not.

/// The wire text of `value`.
pub fn text<T: OptionEnum>(value: T) -> &'static str {
    T::OPTIONS[value.index()]
}

/// `Display`: the wire text.
pub fn display<T: OptionEnum>(value: T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(text(value))
}

/// `FromStr`: the option whose wire text is `text`.
pub fn parse<T: OptionEnum>(text: &str) -> Result<T, UnknownOption> {
    text_index(T::OPTIONS, text).map(|i| T::ALL[i])
}

/// `Serialize`: the wire text, or the integer for options sent as integers.
pub fn serialize<T: OptionEnum, S: Serializer>(value: T, serializer: S) -> Result<S::Ok, S::Error> {
    let i = value.index();
    write(
        serializer,
        T::OPTIONS[i],
        T::INTEGERS.map(|integers| integers[i]),
    )
}

/// `Deserialize`: a known wire text, or a known integer for options sent as integers.
pub fn deserialize<'de, T: OptionEnum, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    read(deserializer, T::OPTIONS, T::INTEGERS).map(|i| T::ALL[i])
}

/// `JsonSchema`: the closed set of strings, or of integers.
pub fn schema<T: OptionEnum>() -> schemars::Schema {
    enum_schema(T::OPTIONS, T::INTEGERS)
}

fn enum_schema(options: &[&str], integers: Option<&[i64]>) -> schemars::Schema {
    match integers {
        Some(integers) => schemars::json_schema!({ "type": "integer", "enum": integers }),
        None => schemars::json_schema!({ "type": "string", "enum": options }),
    }
}

fn text_index(options: &'static [&'static str], text: &str) -> Result<usize, UnknownOption> {
    options
        .iter()
        .position(|option| *option == text)
        .ok_or_else(|| UnknownOption {
            value: text.to_string(),
            options,
        })
}

fn write<S: Serializer>(
    serializer: S,
    text: &str,
    integer: Option<i64>,
) -> Result<S::Ok, S::Error> {
    match integer {
        Some(n) => serializer.serialize_i64(n),
        None => serializer.serialize_str(text),
    }
}

/// The index of the option a deserializer holds.
fn read<'de, D: Deserializer<'de>>(
    deserializer: D,
    options: &'static [&'static str],
    integers: Option<&'static [i64]>,
) -> Result<usize, D::Error> {
    match integers {
        Some(integers) => {
            let n = i64::deserialize(deserializer)?;
            integers.iter().position(|i| *i == n).ok_or_else(|| {
                D::Error::custom(UnknownOption {
                    value: n.to_string(),
                    options,
                })
            })
        }
        None => {
            text_index(options, &Cow::<str>::deserialize(deserializer)?).map_err(D::Error::custom)
        }
    }
}

/// What a generated enum of options shares: `as_str`, `Display`, `FromStr`, serde and JSON
/// Schema, from its `ALL` and `OPTIONS` tables. `option_enum!(Name)` for text options;
/// `option_enum!(Name, numbers)` adds `value()` from the enum's private `VALUES` table, and
/// `option_enum!(Name, integers)` also sends the options as JSON integers.
#[doc(hidden)]
#[macro_export]
macro_rules! __option_enum {
    ($name:ident) => {
        $crate::__option_enum!(@impls $name, ::core::option::Option::None);
    };
    ($name:ident, numbers) => {
        $crate::__option_enum!(@value $name);
        $crate::__option_enum!(@impls $name, ::core::option::Option::None);
    };
    ($name:ident, integers) => {
        $crate::__option_enum!(@value $name);
        $crate::__option_enum!(@impls $name, ::core::option::Option::Some(&$name::VALUES));
    };
    (@value $name:ident) => {
        impl $name {
            /// The option as a number.
            pub const fn value(self) -> i64 {
                Self::VALUES[self as usize]
            }
        }
    };
    (@impls $name:ident, $integers:expr) => {
        impl $name {
            /// The option as sent on the wire.
            pub const fn as_str(self) -> &'static str {
                Self::OPTIONS[self as usize]
            }
        }
        impl $crate::__private::OptionEnum for $name {
            const ALL: &'static [Self] = &Self::ALL;
            const OPTIONS: &'static [&'static str] = &Self::OPTIONS;
            const INTEGERS: ::core::option::Option<&'static [i64]> = $integers;
            fn index(self) -> usize {
                self as usize
            }
        }
        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::__private::options::display(*self, f)
            }
        }
        impl ::core::str::FromStr for $name {
            type Err = $crate::UnknownOption;
            fn from_str(text: &str) -> ::core::result::Result<Self, Self::Err> {
                $crate::__private::options::parse(text)
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__private::options::serialize(*self, serializer)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::options::deserialize(deserializer)
            }
        }
        impl $crate::__private::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(::core::stringify!($name))
            }
            fn json_schema(
                _: &mut $crate::__private::schemars::SchemaGenerator,
            ) -> $crate::__private::schemars::Schema {
                $crate::__private::options::schema::<Self>()
            }
        }
    };
}

pub use crate::__option_enum as option_enum;
