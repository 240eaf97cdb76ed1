//! The text a browser copy of a rendered page gives: summary rows without separators
//! (`ProviderKling Plus`), the fields of the curl template's `input` placeholders, a pricing section
//! whose table cells run together (`Duration1010x`), and the code example's input. Rendered pages
//! state no requiredness, defaults or limits; the draft says so for review.

use kling_descriptor::model::WireType;
use serde_json::Value;

use super::example::json_object;
use super::page::{FactorRow, Page, PageFactor, PageField, Review, wire_of};
use super::price_table::{base_cost, formula_names, multiplier, split_cell, stated_cost};
use super::text::{excerpt, find_slug, normalize};
use crate::typing::title_case;

const PROPERTIES: [&str; 5] = [
    "Provider",
    "Model",
    "Capability",
    "Base Cost",
    "Processing Time",
];

/// Reads a rendered page.
pub fn read(text: &str) -> Page {
    let text = normalize(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut page = Page::new();
    let section = |name: &str| lines.iter().position(|l| l.trim() == name);
    let pricing_at = section("Pricing");
    // The pricing section ends where the response or the code examples begin.
    let response_at = lines.iter().enumerate().position(|(i, l)| {
        pricing_at.is_some_and(|p| i > p) && matches!(l.trim(), "Response" | "Code Examples")
    });
    for (i, line) in lines
        .iter()
        .enumerate()
        .take(pricing_at.unwrap_or(lines.len()))
    {
        if let Some((key, value)) = property(line.trim()) {
            page.property(key, value, i + 1);
        }
    }
    page.slug = lines
        .iter()
        .find(|l| l.contains("Use ") && l.contains(" for "))
        .and_then(|l| find_slug(l))
        .or_else(|| {
            lines
                .iter()
                .filter(|l| l.contains("\"model\""))
                .find_map(|l| find_slug(l))
        });
    page.fields = template_fields(&text, &mut page.review);
    if let Some(start) = pricing_at {
        let end = response_at.unwrap_or(lines.len());
        pricing(&lines[start + 1..end], start + 2, &mut page);
    }
    // The example input: the last code example's.
    if let Some(i) = text.rfind("\"model\": \"") {
        page.example = text[i..]
            .find("\"input\"")
            .and_then(|j| json_object(&text[i + j..]));
    }
    page
}

/// A summary row whose key runs into its value (`Base Cost30,000 micro-cents/second`).
fn property(line: &str) -> Option<(&'static str, &str)> {
    PROPERTIES.iter().find_map(|key| {
        let rest = line.strip_prefix(key)?;
        (!rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with(':'))
            .then_some((*key, rest))
    })
}

/// The fields of the request template, typed from their placeholders.
fn template_fields(text: &str, review: &mut Vec<Review>) -> Vec<PageField> {
    let template = text.find("\"input\"").and_then(|i| json_object(&text[i..]));
    let Some(Value::Object(template)) = template else {
        review.push(Review::page(
            "the request template has no `input` object: the fields need writing by hand",
        ));
        return Vec::new();
    };
    let line = text[..text.find("\"input\"").unwrap_or(0)]
        .matches('\n')
        .count()
        + 1;
    review.push(Review::page(
        "the rendered page shows no field descriptions: requiredness, defaults, limits and item shapes need checking",
    ));
    template
        .iter()
        .map(|(name, placeholder)| PageField {
            name: name.clone(),
            line,
            wire: match placeholder {
                Value::String(s) => wire_of(s.trim_matches(['<', '>'])).or(Some(WireType::String)),
                Value::Bool(_) => Some(WireType::Boolean),
                Value::Number(_) => Some(WireType::Number),
                Value::Array(_) => Some(WireType::Array),
                Value::Object(_) => Some(WireType::Object),
                Value::Null => None,
            },
            ..PageField::default()
        })
        .collect()
}

/// The pricing section's lines (the first is page line `first_line`).
fn pricing(lines: &[&str], first_line: usize, page: &mut Page) {
    let names = lines
        .iter()
        .find(|l| l.trim().starts_with("finalCost"))
        .map(|l| formula_names(l, 0, &mut Vec::new()))
        .unwrap_or_default();
    let mut in_table = false;
    for (i, raw) in lines.iter().enumerate() {
        let (line, text) = (first_line + i, raw.trim());
        let lower = text.to_ascii_lowercase();
        if text.is_empty() {
            continue;
        }
        if let Some(value) = text.strip_prefix("Base cost:") {
            if let Some(base) = base_cost(value, line, &mut page.review) {
                page.set_base(base);
            }
        } else if text.starts_with("finalCost") {
            page.formula = Some((text.to_string(), line));
        } else if lower.replace(' ', "") == "factoroptionmultiplier" {
            in_table = true;
        } else if lower.starts_with("default cost") || lower.starts_with("cost:") {
            in_table = false;
            page.default_cost = stated_cost(text, line, &mut page.review);
        } else if in_table {
            table_row(text, line, &names, page);
        } else {
            page.review.push(Review::at(
                line,
                format!("\"{}\" is not read", excerpt(text, 100)),
            ));
        }
    }
}

/// `Duration33x` starts a factor, `44x` continues it.
fn table_row(text: &str, line: usize, names: &[String], page: &mut Page) {
    let starts_label = text.starts_with(|c: char| c.is_ascii_uppercase());
    let (label, rest) = if starts_label && (page.factors.is_empty() || !names.is_empty()) {
        split_label(text, names)
    } else {
        (String::new(), text)
    };
    let (option, mult) = match split_cell(rest) {
        Ok(pair) => pair,
        Err(candidates) => {
            page.review.push(Review::at(
                line,
                format!(
                    "price table row `{text}` is ambiguous ({}); check the multipliers",
                    candidates
                        .iter()
                        .map(|(o, m)| format!("{o}→{m}"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
            let value = |m: &str| m.parse::<f64>().unwrap_or(f64::MAX);
            let Some(smallest) = candidates
                .into_iter()
                .min_by(|a, b| value(&a.1).total_cmp(&value(&b.1)))
            else {
                return;
            };
            smallest
        }
    };
    let Some(multiplier) = multiplier(&mult) else {
        page.review.push(Review::at(
            line,
            format!("price table row `{text}` is not read"),
        ));
        return;
    };
    if !label.is_empty() {
        page.factors.push(PageFactor {
            label,
            line,
            rows: Vec::new(),
        });
    }
    match page.factors.last_mut() {
        Some(f) => f.rows.push(FactorRow {
            option,
            multiplier,
            line,
        }),
        None => page.review.push(Review::at(
            line,
            format!("price table row `{text}` comes before any factor; not read"),
        )),
    }
}

/// The label at the start of a run-together row: a usual one, a formula name title-cased, or the
/// leading words before the first digit.
fn split_label<'a>(line: &'a str, names: &[String]) -> (String, &'a str) {
    let mut known: Vec<String> = [
        "Has Sound",
        "Sound",
        "Duration",
        "Quality",
        "Resolution",
        "Mode",
        "Images",
    ]
    .map(String::from)
    .to_vec();
    known.extend(names.iter().map(|f| title_case(f, '_')));
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    match known.iter().find(|k| line.starts_with(k.as_str())) {
        Some(k) => (k.clone(), &line[k.len()..]),
        None => {
            let end = line
                .char_indices()
                .skip(1)
                .find(|(_, c)| c.is_ascii_digit())
                .map_or(line.len(), |(i, _)| i);
            (line[..end].to_string(), &line[end..])
        }
    }
}
