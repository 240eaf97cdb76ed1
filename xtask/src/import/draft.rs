//! From what a page states to a descriptor: typing the fields, matching the factor table to the
//! formula's fields, and listing everything a maintainer must settle.

use std::collections::BTreeMap;

use kling_descriptor::model::{
    Descriptor, DocumentedCost, Factor, Field, Format, Items, MultiplierTable, Note, NoteTopic,
    Pricing, ValueType, WireType,
};
use kling_descriptor::{MicroCents, Multiplier};

use super::page::{self, Page, PageField};
use super::price_table::formula_fields;
use crate::typing::{value_type_of, wire_value};

/// A drafted descriptor and what a maintainer must look at.
#[derive(Debug)]
pub struct Draft {
    /// The descriptor, with neutral descriptions.
    pub descriptor: Descriptor,
    /// What the importer could not determine, one item per question.
    pub review: Vec<String>,
}

/// Drafts a descriptor from a page's text.
pub fn draft(text: &str, docs_url: Option<&str>) -> Result<Draft, String> {
    let mut page = page::read(text);
    let mut review = std::mem::take(&mut page.review);
    let slug = page
        .slug
        .clone()
        .ok_or("no model slug (provider/model/capability) found on the page")?;
    let parts: Vec<&str> = slug.split('/').collect();
    let (title_model, title_capability) = page
        .title
        .as_deref()
        .map(title_parts)
        .unwrap_or((None, None));
    let mut from_slug = |found: Option<String>, what: &str, segment: &str| {
        found.unwrap_or_else(|| {
            review.push(format!("{what} not found; derived from the slug"));
            segment.to_string()
        })
    };
    let model = from_slug(page.model.clone().or(title_model), "model name", parts[1]);
    let capability = from_slug(
        page.capability.clone().or(title_capability),
        "capability",
        parts[2],
    );
    let provider = from_slug(page.provider.clone(), "provider", parts[0]);
    let base = page.base_cost.ok_or("no base cost found on the page")?;
    let processing_time = page.processing_time.unwrap_or_else(|| {
        review.push("processing time not found; assumed 240 s".into());
        240
    });
    let mut fields: Vec<Field> = page
        .fields
        .iter()
        .map(|f| typed_field(f, &mut review))
        .collect();
    let formula = page.formula.clone().unwrap_or_else(|| {
        review.push("no pricing formula found".into());
        "finalCost = baseCost".into()
    });
    let factors = factors(&page, &formula, &mut fields, &mut review);
    let flat = factors.is_empty();
    let documented = page.default_cost.unwrap_or_else(|| {
        review.push("no documented default cost found; used the base price".into());
        base
    });
    let mut notes = Vec::new();
    if flat && page.base_unit.as_deref() == Some("per second") {
        notes.push(Note {
            topic: NoteTopic::Pricing,
            text: "The page states the base price per second but its formula is flat; the descriptor charges it once per job.".into(),
        });
    }
    review.push("write each field's description and the summary in your own words".into());
    let docs_url = docs_url.map(str::to_owned).unwrap_or_else(|| {
        review.push("docs URL not given (--docs-url)".into());
        format!("https://developer.pixelbyte.app/docs/models/{slug}")
    });
    let depth = slug.matches('/').count();
    let descriptor = Descriptor {
        schema: format!("{}descriptor.schema.json", "../".repeat(depth)),
        slug: slug.clone(),
        provider,
        summary: format!("{capability} with {model}."),
        model,
        capability,
        processing_time_seconds: processing_time,
        docs_url,
        fields,
        rules: Vec::new(),
        pricing: Pricing {
            base_micro_cents: MicroCents::new(base),
            base_unit_stated: page.base_unit.clone(),
            formula,
            flat,
            factors,
            parameters: Vec::new(),
            documented: DocumentedCost {
                micro_cents: MicroCents::new(documented),
                assumes: BTreeMap::new(),
            },
        },
        notes,
    };
    Ok(Draft { descriptor, review })
}

/// Table factors, matched to the formula's field names in order; a priced field without options
/// takes the table's, and one without a default takes the example's.
fn factors(
    page: &Page,
    formula: &str,
    fields: &mut [Field],
    review: &mut Vec<String>,
) -> Vec<Factor> {
    let names = formula_fields(formula);
    let mut factors = Vec::new();
    for (i, (label, rows)) in page.factors.iter().enumerate() {
        let field = names.get(i).cloned().unwrap_or_else(|| {
            review.push(format!(
                "factor `{label}` has no field in the formula; named after its label"
            ));
            label.to_ascii_lowercase().replace(' ', "_")
        });
        let mut table = Vec::new();
        for (option, mult) in rows {
            match mult.parse::<Multiplier>() {
                Ok(m) => table.push((option.clone(), m)),
                Err(e) => review.push(format!("factor `{label}` option `{option}`: {e}")),
            }
        }
        match fields.iter_mut().find(|f| f.name == field) {
            Some(f) => fill_priced_field(f, &table, page, review),
            None => review.push(format!("factor field `{field}` is not an input field")),
        }
        factors.push(Factor {
            field,
            label: label.clone(),
            multipliers: MultiplierTable(table),
        });
    }
    factors
}

/// Rendered pages give no options or defaults: take them from the price table and the example.
fn fill_priced_field(
    f: &mut Field,
    table: &[(String, Multiplier)],
    page: &Page,
    review: &mut Vec<String>,
) {
    let field = f.name.clone();
    if f.options.is_none() && f.wire_type != WireType::Boolean {
        f.options = Some(table.iter().map(|(o, _)| o.clone()).collect());
        f.value_type = value_type_of(f.options.as_deref().unwrap_or_default(), f.wire_type);
        if f.name == "duration" && f.value_type == Some(ValueType::Integer) {
            f.unit = Some("seconds".into());
        }
        review.push(format!("`{field}`: options taken from the price table"));
    }
    if f.default.is_none() && !f.required {
        match page.example.as_ref().and_then(|e| e.get(&field)).cloned() {
            Some(v) => {
                review.push(format!(
                    "`{field}`: no default stated; took {v} from the example"
                ));
                f.default = Some(v);
            }
            None => review.push(format!(
                "`{field}` decides the price but has no default: state the one the server applies"
            )),
        }
    }
}

fn title_parts(title: &str) -> (Option<String>, Option<String>) {
    match title.split_once(" — ").or_else(|| title.split_once(" - ")) {
        Some((m, c)) => (Some(m.trim().to_string()), Some(c.trim().to_string())),
        None => (None, None),
    }
}

fn typed_field(p: &PageField, review: &mut Vec<String>) -> Field {
    let wire = p.wire.unwrap_or_else(|| {
        review.push(format!("`{}`: no type on the page; assumed string", p.name));
        WireType::String
    });
    let options = p.options.clone();
    let value_type = options.as_deref().and_then(|o| value_type_of(o, wire));
    let default = p.default.as_deref().map(|d| wire_value(wire, d));
    let lname = p.name.to_ascii_lowercase();
    let url = wire == WireType::String
        && (lname.ends_with("_url")
            || lname.ends_with("url")
            || matches!(
                lname.as_str(),
                "image" | "video" | "end_image" | "voice" | "audio"
            ));
    let items = (wire == WireType::Array).then(|| items(p, review));
    Field {
        name: p.name.clone(),
        description: format!("The `{}` input.", p.name),
        rust_name: None,
        wire_type: wire,
        value_type,
        format: url.then_some(Format::Url),
        required: p.required,
        default,
        unit: (p.name == "duration" && value_type == Some(ValueType::Integer))
            .then(|| "seconds".to_string()),
        options,
        max_length: p.max_length,
        minimum: p.minimum,
        maximum: p.maximum,
        min_items: None,
        max_items: p.max_items,
        items,
        fields: Vec::new(),
    }
}

/// The item shape of an array field: its nested fields, its `type[]`, or URL strings for review.
fn items(p: &PageField, review: &mut Vec<String>) -> Box<Items> {
    if p.item_fields.is_empty() {
        if p.item_wire.is_none() {
            review.push(format!(
                "`{}`: the item shape is not stated; assumed URL strings",
                p.name
            ));
        }
        Box::new(Items {
            wire_type: p.item_wire.unwrap_or(WireType::String),
            format: Some(Format::Url),
            max_length: None,
            fields: Vec::new(),
        })
    } else {
        Box::new(Items {
            wire_type: WireType::Object,
            format: None,
            max_length: None,
            fields: p
                .item_fields
                .iter()
                .map(|f| typed_field(f, review))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::page::find_slug;

    #[test]
    fn slugs_are_found() {
        assert_eq!(
            find_slug("Use kling-plus/kling-o3-standard/video-edit for video edit."),
            Some("kling-plus/kling-o3-standard/video-edit".into())
        );
    }
}
