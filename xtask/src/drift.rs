//! What changed upstream: a page's draft compared with the committed descriptor of its slug, fact by
//! fact (the base price, each multiplier, options, fields, requiredness, types, defaults, limits,
//! the default cost). Descriptions, summaries and notes are ours, and never drift. A rendered page
//! states no requiredness, defaults, limits or nested shapes, so those are compared on MDX pages only,
//! and a default the importer inferred (rather than read) is never compared.

use std::fmt;

use kling_descriptor::model::{Field, WireType};
use kling_descriptor::pricing::group;
use kling_descriptor::{Descriptor, Multiplier};
use serde::Serialize;

use crate::import::{Draft, Form};

/// One difference between the page and the committed descriptor (`from` is ours, `to` the page's).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drift {
    /// The base price changed.
    BasePrice { from: u64, to: u64 },
    /// A factor appeared in the price.
    FactorAdded { field: String },
    /// A factor left the price.
    FactorRemoved { field: String },
    /// An option's multiplier changed.
    Multiplier {
        field: String,
        option: String,
        from: String,
        to: String,
    },
    /// The price table prices a new option.
    PricedOptionAdded {
        field: String,
        option: String,
        multiplier: String,
    },
    /// The price table no longer prices an option.
    PricedOptionRemoved { field: String, option: String },
    /// A field accepts a new option.
    OptionAdded { field: String, option: String },
    /// A field no longer accepts an option.
    OptionRemoved { field: String, option: String },
    /// The page lists a new field.
    FieldAdded { field: String },
    /// The page no longer lists a field.
    FieldRemoved { field: String },
    /// A field became required.
    MadeRequired { field: String },
    /// A field is no longer required.
    MadeOptional { field: String },
    /// A field's wire type changed.
    Type {
        field: String,
        from: String,
        to: String,
    },
    /// A field's default changed, appeared or disappeared.
    Default {
        field: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// A limit (`max_length`, `minimum`, `maximum`, `min_items`, `max_items`) changed.
    Limit {
        field: String,
        limit: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// The documented default cost changed.
    DefaultCost { from: u64, to: u64 },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |v: &Option<String>| {
            v.as_deref()
                .map_or_else(|| "none".to_string(), |v| format!("`{v}`"))
        };
        match self {
            Drift::BasePrice { from, to } => write!(
                f,
                "base price: {} → {} micro-cents",
                group(*from),
                group(*to)
            ),
            Drift::FactorAdded { field } => write!(f, "the price now multiplies by `{field}`"),
            Drift::FactorRemoved { field } => {
                write!(f, "the price no longer multiplies by `{field}`")
            }
            Drift::Multiplier {
                field,
                option,
                from,
                to,
            } => write!(f, "multiplier of {field}=`{option}`: {from} → {to}"),
            Drift::PricedOptionAdded {
                field,
                option,
                multiplier,
            } => write!(f, "price table adds {field}=`{option}` at {multiplier}"),
            Drift::PricedOptionRemoved { field, option } => {
                write!(f, "price table drops {field}=`{option}`")
            }
            Drift::OptionAdded { field, option } => {
                write!(f, "`{field}` accepts a new option `{option}`")
            }
            Drift::OptionRemoved { field, option } => {
                write!(f, "`{field}` no longer accepts `{option}`")
            }
            Drift::FieldAdded { field } => write!(f, "new field `{field}`"),
            Drift::FieldRemoved { field } => write!(f, "field `{field}` is gone"),
            Drift::MadeRequired { field } => write!(f, "`{field}` is now required"),
            Drift::MadeOptional { field } => write!(f, "`{field}` is no longer required"),
            Drift::Type { field, from, to } => write!(f, "`{field}` is now a {to} (was {from})"),
            Drift::Default { field, from, to } => {
                write!(f, "default of `{field}`: {} → {}", opt(from), opt(to))
            }
            Drift::Limit {
                field,
                limit,
                from,
                to,
            } => write!(f, "{limit} of `{field}`: {} → {}", opt(from), opt(to)),
            Drift::DefaultCost { from, to } => write!(
                f,
                "default cost: {} → {} micro-cents",
                group(*from),
                group(*to)
            ),
        }
    }
}

/// Every difference between the page's draft and our descriptor.
pub fn compare(page: &Draft, ours: &Descriptor) -> Vec<Drift> {
    let theirs = &page.descriptor;
    let mut out = Vec::new();
    let (from, to) = (
        ours.pricing.base_micro_cents.get(),
        theirs.pricing.base_micro_cents.get(),
    );
    if from != to {
        out.push(Drift::BasePrice { from, to });
    }
    prices(ours, theirs, &mut out);
    let mdx = page.form == Form::Mdx;
    let priced = |name: &str| theirs.pricing.factors.iter().any(|f| f.field == name);
    fields(
        &ours.fields,
        &theirs.fields,
        "",
        &mut out,
        &|field: &str, depth: usize| Compare {
            details: mdx,
            nested: mdx,
            options: mdx || depth == 0 && priced(field),
            default: mdx && !(depth == 0 && page.inferred_defaults.contains(field)),
        },
    );
    let (from, to) = (
        ours.pricing.documented.micro_cents.get(),
        theirs.pricing.documented.micro_cents.get(),
    );
    if from != to {
        out.push(Drift::DefaultCost { from, to });
    }
    out
}

fn prices(ours: &Descriptor, theirs: &Descriptor, out: &mut Vec<Drift>) {
    for mine in &ours.pricing.factors {
        let Some(new) = theirs
            .pricing
            .factors
            .iter()
            .find(|f| f.field == mine.field)
        else {
            out.push(Drift::FactorRemoved {
                field: mine.field.clone(),
            });
            continue;
        };
        for (option, m) in &mine.multipliers.0 {
            match new.multipliers.get(option) {
                Some(n) if !same(*m, n) => out.push(Drift::Multiplier {
                    field: mine.field.clone(),
                    option: option.clone(),
                    from: m.to_string(),
                    to: n.to_string(),
                }),
                Some(_) => {}
                None => out.push(Drift::PricedOptionRemoved {
                    field: mine.field.clone(),
                    option: option.clone(),
                }),
            }
        }
        for (option, n) in new
            .multipliers
            .0
            .iter()
            .filter(|(o, _)| mine.multipliers.get(o).is_none())
        {
            out.push(Drift::PricedOptionAdded {
                field: mine.field.clone(),
                option: option.clone(),
                multiplier: n.to_string(),
            });
        }
    }
    for new in theirs
        .pricing
        .factors
        .iter()
        .filter(|n| !ours.pricing.factors.iter().any(|m| m.field == n.field))
    {
        out.push(Drift::FactorAdded {
            field: new.field.clone(),
        });
    }
}

fn same(a: Multiplier, b: Multiplier) -> bool {
    a.to_string() == b.to_string()
}

/// Which facts of a field the page states.
struct Compare {
    /// Requiredness, limits and exact types.
    details: bool,
    /// The members of items and objects.
    nested: bool,
    /// The option list.
    options: bool,
    /// The default.
    default: bool,
}

fn fields(
    ours: &[Field],
    theirs: &[Field],
    prefix: &str,
    out: &mut Vec<Drift>,
    stated: &dyn Fn(&str, usize) -> Compare,
) {
    let depth = usize::from(!prefix.is_empty());
    let path = |name: &str| format!("{prefix}{name}");
    for mine in ours {
        match theirs.iter().find(|t| t.name == mine.name) {
            Some(new) => field(
                mine,
                new,
                &path(&mine.name),
                out,
                &stated(&mine.name, depth),
                stated,
            ),
            None => out.push(Drift::FieldRemoved {
                field: path(&mine.name),
            }),
        }
    }
    for new in theirs
        .iter()
        .filter(|t| !ours.iter().any(|m| m.name == t.name))
    {
        out.push(Drift::FieldAdded {
            field: path(&new.name),
        });
    }
}

fn field(
    mine: &Field,
    new: &Field,
    path: &str,
    out: &mut Vec<Drift>,
    s: &Compare,
    stated: &dyn Fn(&str, usize) -> Compare,
) {
    let numeric = |w: WireType| matches!(w, WireType::Integer | WireType::Number);
    let type_changed = mine.wire_type != new.wire_type
        && (s.details || !(numeric(mine.wire_type) && numeric(new.wire_type)));
    if type_changed {
        out.push(Drift::Type {
            field: path.into(),
            from: mine.wire_type.as_str().into(),
            to: new.wire_type.as_str().into(),
        });
    }
    if s.details && mine.required != new.required {
        out.push(if new.required {
            Drift::MadeRequired { field: path.into() }
        } else {
            Drift::MadeOptional { field: path.into() }
        });
    }
    if s.options {
        let (a, b) = (
            mine.options.clone().unwrap_or_default(),
            new.options.clone().unwrap_or_default(),
        );
        out.extend(
            b.iter()
                .filter(|o| !a.contains(o))
                .map(|o| Drift::OptionAdded {
                    field: path.into(),
                    option: o.clone(),
                }),
        );
        out.extend(
            a.iter()
                .filter(|o| !b.contains(o))
                .map(|o| Drift::OptionRemoved {
                    field: path.into(),
                    option: o.clone(),
                }),
        );
    }
    if s.default && mine.default_text() != new.default_text() {
        out.push(Drift::Default {
            field: path.into(),
            from: mine.default_text(),
            to: new.default_text(),
        });
    }
    if s.details {
        let text = |n: Option<f64>| n.map(|n| n.to_string());
        let count = |n: Option<u32>| n.map(|n| n.to_string());
        for (limit, from, to) in [
            ("max_length", count(mine.max_length), count(new.max_length)),
            ("minimum", text(mine.minimum), text(new.minimum)),
            ("maximum", text(mine.maximum), text(new.maximum)),
            ("min_items", count(mine.min_items), count(new.min_items)),
            ("max_items", count(mine.max_items), count(new.max_items)),
        ] {
            if from != to {
                out.push(Drift::Limit {
                    field: path.into(),
                    limit: limit.into(),
                    from,
                    to,
                });
            }
        }
    }
    // Members are compared where the page lists them; most pages describe item shapes in words,
    // which the descriptor types by hand.
    let members = |f: &Field| {
        f.items
            .as_ref()
            .map_or_else(|| f.fields.clone(), |i| i.fields.clone())
    };
    let stated_members = members(new);
    if s.nested && !type_changed && !stated_members.is_empty() {
        let sep = if mine.items.is_some() { "[]." } else { "." };
        fields(
            &members(mine),
            &stated_members,
            &format!("{path}{sep}"),
            out,
            stated,
        );
    }
}
