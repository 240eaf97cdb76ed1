//! The price table matched to what it prices. A label is a human word (`Sound`, `Images`); the field
//! is found through the formula's names and the options each candidate accepts. A factor on a name
//! the request body does not list becomes a pricing parameter. Defaults the page leaves unsaid are
//! taken from its worked default cost, and every such guess is listed for review.

use std::collections::{BTreeMap, BTreeSet};

use kling_descriptor::Multiplier;
use kling_descriptor::model::{
    Factor, Field, MultiplierTable, Note, NoteTopic, PricingParameter, WireType,
};
use kling_descriptor::shape::Shape;
use serde_json::Value;

use super::page::{Page, PageFactor, Review};
use super::price_table::formula_names;
use super::text::snake;
use crate::typing::{value_type_of, wire_value};

/// The pricing a page's table and formula describe.
#[derive(Debug, Default)]
pub struct Priced {
    pub factors: Vec<Factor>,
    pub parameters: Vec<PricingParameter>,
    pub notes: Vec<Note>,
    /// Option values the stated default cost assumes for factors that have no default.
    pub assumes: BTreeMap<String, String>,
    /// Fields whose default was inferred rather than read.
    pub inferred_defaults: BTreeSet<String>,
}

/// Matches the table to fields (filling options the field text leaves out) and resolves defaults.
pub fn resolve(page: &Page, fields: &mut [Field], review: &mut Vec<Review>) -> Priced {
    let names = match &page.formula {
        Some((formula, line)) => formula_names(formula, *line, review),
        None => {
            review.push(Review::page("no pricing formula found"));
            Vec::new()
        }
    };
    let targets = match_labels(&page.factors, &names, fields, review);
    let mut order: Vec<usize> = (0..page.factors.len()).collect();
    order.sort_by_key(|&i| {
        names
            .iter()
            .position(|n| *n == targets[i])
            .unwrap_or(usize::MAX)
    });
    let mut priced = Priced::default();
    for &i in &order {
        let (factor, field) = (&page.factors[i], &targets[i]);
        let table = table(factor, review);
        match fields.iter_mut().find(|f| f.name == *field) {
            Some(f) => fill_options(f, factor, &table, review),
            None => {
                priced
                    .parameters
                    .push(parameter(field, factor, &table, &mut priced.notes, review))
            }
        }
        priced.factors.push(Factor {
            field: field.clone(),
            label: factor.label.clone(),
            multipliers: MultiplierTable(table),
        });
    }
    defaults(page, fields, &mut priced, review);
    priced
}

/// How well a table factor fits a candidate name: by words, then by the options it prices.
fn score(factor: &PageFactor, name: &str, field: Option<&Field>) -> u32 {
    let label = snake(&factor.label);
    let words = |s: &str| -> BTreeSet<String> {
        s.split('_')
            .map(|w| w.trim_end_matches('s').to_string())
            .collect()
    };
    let (lw, nw) = (words(&label), words(name));
    let mut s = if label == name {
        8
    } else if lw.is_subset(&nw) || nw.is_subset(&lw) {
        4
    } else if !lw.is_disjoint(&nw) {
        2
    } else {
        0
    };
    let options: Vec<&str> = factor.rows.iter().map(|r| r.option.as_str()).collect();
    let shape = field.and_then(|f| f.shape().ok());
    match shape.as_ref().and_then(Shape::choices) {
        Some(choices) if options.iter().all(|o| choices.iter().any(|c| c == o)) => s += 3,
        None if shape.as_ref().is_some_and(Shape::is_numeric)
            && options.iter().all(|o| o.parse::<f64>().is_ok()) =>
        {
            s += 1
        }
        _ => {}
    }
    s
}

/// The field name each table factor prices, in table order.
fn match_labels(
    factors: &[PageFactor],
    names: &[String],
    fields: &[Field],
    review: &mut Vec<Review>,
) -> Vec<String> {
    let candidates: Vec<String> = if names.is_empty() && !factors.is_empty() {
        review.push(Review::page(
            "the formula names no factor; the table's labels are matched to the input fields",
        ));
        fields.iter().map(|f| f.name.clone()).collect()
    } else {
        names.to_vec()
    };
    let candidate_fields: Vec<Option<&Field>> = candidates
        .iter()
        .map(|name| fields.iter().find(|f| f.name == *name))
        .collect();
    let mut pairs: Vec<(u32, usize, usize, usize)> = Vec::new();
    for (i, factor) in factors.iter().enumerate() {
        for (j, name) in candidates.iter().enumerate() {
            let s = score(factor, name, candidate_fields[j]);
            if s > 0 {
                pairs.push((s, i.abs_diff(j), i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut target: Vec<Option<String>> = vec![None; factors.len()];
    let mut taken = vec![false; candidates.len()];
    for (_, _, i, j) in pairs {
        if target[i].is_none() && !taken[j] {
            target[i] = Some(candidates[j].clone());
            taken[j] = true;
        }
    }
    let mut out = Vec::new();
    for (i, factor) in factors.iter().enumerate() {
        let name = target[i].take().unwrap_or_else(|| {
            let free = (!names.is_empty())
                .then(|| taken.iter().position(|t| !t))
                .flatten();
            match free {
                Some(j) => {
                    taken[j] = true;
                    review.push(Review::at(
                        factor.line,
                        format!(
                            "factor `{}` matched to `{}` by position only; check it",
                            factor.label, candidates[j]
                        ),
                    ));
                    candidates[j].clone()
                }
                None => {
                    let name = snake(&factor.label);
                    review.push(Review::at(
                        factor.line,
                        format!(
                            "no formula name fits factor `{}`; drafted as `{name}`",
                            factor.label
                        ),
                    ));
                    name
                }
            }
        });
        out.push(name);
    }
    if !names.is_empty() {
        let line = factors.first().map(|f| f.line);
        for (name, _) in candidates.iter().zip(&taken).filter(|(_, t)| !**t) {
            review.push(Review {
                line,
                message: format!(
                    "the formula multiplies by `{name}`, but the price table has no rows for it"
                ),
            });
        }
    }
    out
}

/// The factor's options and multipliers; a repeated option is reported and its first row kept.
fn table(factor: &PageFactor, review: &mut Vec<Review>) -> Vec<(String, Multiplier)> {
    let mut table: Vec<(String, Multiplier)> = Vec::new();
    for row in &factor.rows {
        if table.iter().any(|(o, _)| *o == row.option) {
            review.push(Review::at(
                row.line,
                format!(
                    "factor `{}` lists option `{}` twice; the first row is drafted",
                    factor.label, row.option
                ),
            ));
        } else {
            table.push((row.option.clone(), row.multiplier));
        }
    }
    table
}

/// A priced field takes the table's options when its text lists none; a disagreement is reported.
fn fill_options(
    f: &mut Field,
    factor: &PageFactor,
    table: &[(String, Multiplier)],
    review: &mut Vec<Review>,
) {
    let priced: Vec<String> = table.iter().map(|(o, _)| o.clone()).collect();
    // The field may not have a shape yet (a draft): its written options count all the same.
    let choices = f
        .options
        .clone()
        .or_else(|| f.shape().ok().and_then(|s| s.choices()));
    match choices {
        None => {
            f.options = Some(priced.clone());
            f.value_type = value_type_of(&priced, f.wire_type);
            if f.name == "duration" && f.value_type.is_some() {
                f.unit = Some("seconds".into());
            }
            review.push(Review::at(
                factor.line,
                format!("`{}`: options taken from the price table", f.name),
            ));
            super::draft::options_replace_range(f, factor.line, review);
        }
        Some(choices) => {
            for o in priced.iter().filter(|o| !choices.contains(o)) {
                review.push(Review::at(
                    factor.line,
                    format!(
                        "factor `{}` prices `{o}`, which `{}` does not list as an option",
                        factor.label, f.name
                    ),
                ));
            }
            for o in choices.iter().filter(|o| !priced.contains(o)) {
                review.push(Review::at(
                    factor.line,
                    format!(
                        "`{}` accepts `{o}`, which factor `{}` does not price",
                        f.name, factor.label
                    ),
                ));
            }
        }
    }
}

/// A factor on a name the request body does not list: a value that decides the price but is not sent.
fn parameter(
    name: &str,
    factor: &PageFactor,
    table: &[(String, Multiplier)],
    notes: &mut Vec<Note>,
    review: &mut Vec<Review>,
) -> PricingParameter {
    review.push(Review::at(
        factor.line,
        format!("factor `{}` prices `{name}`, which the request body does not list: drafted as a pricing parameter; say in its description what decides it", factor.label),
    ));
    notes.push(Note {
        topic: NoteTopic::Pricing,
        text: format!("The price multiplies by `{name}`, which the request body does not list; the draft prices it as a parameter that is not sent."),
    });
    PricingParameter {
        name: name.to_string(),
        description: format!("The `{name}` the price assumes; it is not sent with the input."),
        options: table.iter().map(|(o, _)| o.clone()).collect(),
        default: String::new(),
    }
}

/// Defaults the page leaves unsaid: from the default cost's worked example (`84,000 × 5 × 1`, in
/// formula order) or its `name=value` assumptions, else from the code example.
fn defaults(page: &Page, fields: &mut [Field], priced: &mut Priced, review: &mut Vec<Review>) {
    let stated = page.default_cost.as_ref();
    let chain = stated
        .and_then(|c| c.chain.as_ref())
        .filter(|(_, chain)| chain.len() == priced.factors.len());
    for (i, factor) in priced.factors.iter().enumerate() {
        let name = factor.field.as_str();
        let from_words = stated
            .and_then(|c| c.assumes.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone());
        let from_chain = chain.and_then(|(_, chain)| {
            let wanted = chain[i].to_string();
            let mut matching = factor
                .multipliers
                .0
                .iter()
                .filter(|(_, m)| m.to_string() == wanted);
            match (matching.next(), matching.next()) {
                (Some((option, _)), None) => Some(option.clone()),
                _ => None,
            }
        });
        let line = stated.map(|c| c.line);
        if let Some(p) = priced.parameters.iter_mut().find(|p| p.name == name) {
            let message = match from_words.or(from_chain) {
                Some(assumed) => {
                    p.default = assumed;
                    format!(
                        "pricing parameter `{name}` defaults to `{}`, the value the default cost assumes; check it",
                        p.default
                    )
                }
                None => {
                    p.default = p.options.first().cloned().unwrap_or_default();
                    format!(
                        "pricing parameter `{name}`: the page assumes no value; drafted as `{}`",
                        p.default
                    )
                }
            };
            review.push(Review { line, message });
            continue;
        }
        let Some(f) = fields.iter_mut().find(|f| f.name == name) else {
            continue;
        };
        // A stated default is contradicted only by an assumption in words, never by a reading
        // of the worked example's multipliers.
        let assumed = match f.default_text() {
            Some(_) => from_words,
            None => from_words.or(from_chain),
        };
        match (f.default_text(), assumed) {
            (Some(default), Some(assumed)) if default != assumed => {
                review.push(Review { line, message: format!("the default cost assumes {name}=`{assumed}`, but `{name}` defaults to `{default}`") });
                priced.assumes.insert(name.to_string(), assumed);
            }
            (Some(_), _) => {}
            (None, Some(assumed)) if f.required => {
                review.push(Review {
                    line,
                    message: format!("`{name}` is required and priced; the default cost assumes `{assumed}`"),
                });
                priced.assumes.insert(name.to_string(), assumed);
            }
            (None, Some(assumed)) => {
                review.push(Review { line, message: format!("`{name}` states no default; drafted as `{assumed}`, the value the default cost assumes") });
                f.default = Some(wire_value(f.wire_type, &assumed));
                priced.inferred_defaults.insert(name.to_string());
            }
            (None, None) => match page.example.as_ref().and_then(|e| e.get(name)).filter(|v| !v.is_null()) {
                Some(v) if !f.required => {
                    review.push(Review::page(format!("`{name}` states no default; took {v} from the code example")));
                    f.default = Some(example_value(f.wire_type, v));
                    priced.inferred_defaults.insert(name.to_string());
                }
                _ => review.push(Review::page(format!("`{name}` decides the price but has no default: state the one the server applies"))),
            },
        }
    }
    example_differs(page, fields, priced, review);
}

fn example_value(wire: WireType, value: &Value) -> Value {
    match value {
        Value::String(s) => wire_value(wire, s),
        other => other.clone(),
    }
}

/// The known variation "an example input sends values the default cost does not assume".
fn example_differs(page: &Page, fields: &[Field], priced: &Priced, review: &mut Vec<Review>) {
    let Some(example) = &page.example else { return };
    for factor in &priced.factors {
        let Some(sent) = example
            .get(&factor.field)
            .map(kling_descriptor::model::wire_text)
        else {
            continue;
        };
        let assumed = priced.assumes.get(&factor.field).cloned().or_else(|| {
            fields
                .iter()
                .find(|f| f.name == factor.field)
                .and_then(Field::default_text)
        });
        if let Some(assumed) = assumed.filter(|a| *a != sent) {
            review.push(Review::page(format!(
                "the code example sends {}=`{sent}`, the default cost assumes `{assumed}`",
                factor.field
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::page::FactorRow;

    fn factor(label: &str, options: &[&str]) -> PageFactor {
        PageFactor {
            label: label.into(),
            line: 1,
            rows: options
                .iter()
                .map(|o| FactorRow {
                    option: (*o).into(),
                    multiplier: Multiplier::ONE,
                    line: 1,
                })
                .collect(),
        }
    }

    fn field(name: &str, wire: WireType, options: Option<&[&str]>) -> Field {
        serde_json::from_value(serde_json::json!({
            "name": name, "description": "x", "type": wire.as_str(),
            "options": options.map(|o| o.to_vec()),
        }))
        .unwrap()
    }

    #[test]
    fn labels_find_their_fields_through_names_and_options() {
        let fields = [
            field("has_sound", WireType::String, None),
            field("num_images", WireType::Integer, None),
            field("tier", WireType::String, Some(&["lite", "max"])),
            field("resolution", WireType::String, Some(&["720p", "1080p"])),
        ];
        let names: Vec<String> = ["resolution", "tier", "num_images", "has_sound"]
            .map(String::from)
            .to_vec();
        let factors = [
            factor("Sound", &["false", "true"]),
            factor("Images", &["1", "2"]),
            factor("Mode", &["lite", "max"]),
            factor("Resolution", &["720p", "1080p"]),
        ];
        let mut review = Vec::new();
        assert_eq!(
            match_labels(&factors, &names, &fields, &mut review),
            ["has_sound", "num_images", "tier", "resolution"]
        );
        assert!(review.is_empty(), "{review:?}");
    }

    #[test]
    fn options_from_the_table_replace_a_stated_range_and_report_one_outside_it() {
        let mut images = field("num_images", WireType::Integer, None);
        (images.minimum, images.maximum) = (Some(1.0), Some(3.0));
        let table: Vec<(String, Multiplier)> = ["1", "2", "4"]
            .iter()
            .map(|o| ((*o).to_string(), Multiplier::ONE))
            .collect();
        let mut review = Vec::new();
        fill_options(
            &mut images,
            &factor("Images", &["1", "2", "4"]),
            &table,
            &mut review,
        );
        assert_eq!((images.minimum, images.maximum), (None, None));
        assert_eq!(images.options.as_deref().unwrap(), ["1", "2", "4"]);
        let messages: Vec<&str> = review.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`num_images`: options taken from the price table",
                "`num_images`: option `4` is outside the range the page states (1 to 3)",
            ]
        );
    }
}
