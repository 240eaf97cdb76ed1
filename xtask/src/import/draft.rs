//! From what a page states to a descriptor: identity, typed fields, the pricing matched by
//! `super::factors`, and the check that the draft's own default cost is the page's.

use std::collections::BTreeSet;

use kling_descriptor::model::{
    Descriptor, DocumentedCost, Field, Format, Items, Note, NoteTopic, Pricing, ValueType, WireType,
};
use kling_descriptor::{MicroCents, pricing::group};

use super::factors;
use super::page::{Form, Page, PageField, Review};
use crate::typing::{value_type_of, wire_value};

/// A drafted descriptor and what a maintainer must look at.
#[derive(Debug)]
pub struct Draft {
    /// The descriptor, with neutral descriptions.
    pub descriptor: Descriptor,
    /// What the importer could not determine or place, with the page line where there is one.
    pub review: Vec<Review>,
    /// The shape the page came in (a rendered page states no requiredness, defaults or limits).
    pub form: Form,
    /// Fields whose default the importer inferred (from the default cost or the example).
    pub inferred_defaults: BTreeSet<String>,
}

/// Drafts a descriptor from a page's text, of either shape.
pub fn draft(text: &str, docs_url: Option<&str>) -> Result<Draft, String> {
    draft_as(text, Form::detect(text), docs_url)
}

/// Drafts a descriptor from a page's text read as `form`.
pub fn draft_as(text: &str, form: Form, docs_url: Option<&str>) -> Result<Draft, String> {
    let mut page = match form {
        Form::Mdx => super::mdx::read(text),
        Form::Rendered => super::rendered::read(text),
    };
    let mut review = std::mem::take(&mut page.review);
    let slug = page
        .slug
        .clone()
        .ok_or("no model slug (provider/model/capability) found on the page")?;
    let base = page.base.clone().ok_or(
        "no base cost found on the page (a `Base Cost` summary row or a `Base cost:` pricing line)",
    )?;
    let mut fields: Vec<Field> = page
        .fields
        .iter()
        .map(|f| typed_field(f, &mut review))
        .collect();
    let priced = factors::resolve(&page, &mut fields, &mut review);
    let mut descriptor = Descriptor {
        schema: format!(
            "{}descriptor.schema.json",
            "../".repeat(slug.matches('/').count())
        ),
        slug: slug.clone(),
        provider: String::new(),
        model: String::new(),
        capability: String::new(),
        summary: String::new(),
        processing_time_seconds: page.processing_time.unwrap_or_else(|| {
            review.push(Review::page("processing time not found; assumed 240 s"));
            240
        }),
        docs_url: docs_url.map(str::to_owned).unwrap_or_else(|| {
            review.push(Review::page(
                "docs URL not given (--docs-url, or a page under a `models/` tree)",
            ));
            format!("https://developer.pixelbyte.app/docs/models/{slug}")
        }),
        fields,
        rules: Vec::new(),
        pricing: Pricing {
            base_micro_cents: MicroCents::new(base.micro_cents),
            base_unit_stated: base.unit.clone(),
            formula: page
                .formula
                .as_ref()
                .map_or_else(|| "finalCost = baseCost".into(), |(f, _)| f.clone()),
            flat: priced.factors.is_empty(),
            factors: priced.factors,
            parameters: priced.parameters,
            documented: DocumentedCost {
                micro_cents: MicroCents::new(base.micro_cents),
                assumes: priced.assumes,
            },
        },
        notes: priced.notes,
    };
    identity(&page, &mut descriptor, &mut review);
    if descriptor.pricing.flat && base.unit.as_deref() == Some("per second") {
        review.push(Review::at(
            base.line,
            "the base cost is stated per second but the formula is flat: drafted as charged once per job, with a note",
        ));
        descriptor.notes.push(Note {
            topic: NoteTopic::Pricing,
            text: "The page states the base price per second but its formula is flat; the descriptor charges it once per job.".into(),
        });
    }
    descriptor.pricing.documented.micro_cents = documented(&page, &descriptor, &mut review)?;
    review.push(Review::page(
        "write each field's description and the summary in your own words",
    ));
    // Page order, then what concerns the page as a whole.
    review.sort_by_key(|r| r.line.unwrap_or(usize::MAX));
    Ok(Draft {
        descriptor,
        review,
        form,
        inferred_defaults: priced.inferred_defaults,
    })
}

/// Provider, model and capability: from the summary table, else the title, else the slug.
fn identity(page: &Page, d: &mut Descriptor, review: &mut Vec<Review>) {
    let (title_model, title_capability) = page
        .title
        .as_deref()
        .and_then(|t| t.split_once(" — ").or_else(|| t.split_once(" - ")))
        .map_or((None, None), |(m, c)| {
            (Some(m.trim().to_string()), Some(c.trim().to_string()))
        });
    let parts: Vec<&str> = d.slug.split('/').collect();
    let mut pick = |table: &Option<String>, title: Option<String>, what: &str, segment: &str| {
        if let (Some(a), Some(b)) = (table, &title)
            && a != b
        {
            review.push(Review::page(format!("the {what} is `{a}` in the summary table but `{b}` in the title; the table is drafted")));
        }
        table.clone().or(title).unwrap_or_else(|| {
            review.push(Review::page(format!(
                "{what} not found; derived from the slug"
            )));
            segment.to_string()
        })
    };
    d.model = pick(&page.model, title_model, "model name", parts[1]);
    d.capability = pick(&page.capability, title_capability, "capability", parts[2]);
    d.provider = pick(&page.provider, None, "provider", parts[0]);
    d.summary = format!("{} with {}.", d.capability, d.model);
}

/// The page's default cost, which the draft's own price for its defaults must equal.
fn documented(page: &Page, d: &Descriptor, review: &mut Vec<Review>) -> Result<MicroCents, String> {
    let own = d.price_with(|f| d.pricing.documented.assumes.get(f).cloned());
    let Some(stated) = &page.default_cost else {
        return Ok(match own {
            Ok(q) => {
                review.push(Review::page(format!(
                    "the page states no default cost; the draft's own ({q}) is recorded"
                )));
                q.total
            }
            Err(e) => {
                review.push(Review::page(format!(
                    "the page states no default cost, and the draft cannot price its defaults: {e}"
                )));
                d.pricing.base_micro_cents
            }
        });
    };
    if let Some((chain_base, _)) = &stated.chain
        && *chain_base != d.pricing.base_micro_cents.get()
    {
        review.push(Review::at(
            stated.line,
            format!(
                "the default cost starts from {}, not the base cost {}",
                group(*chain_base),
                group(d.pricing.base_micro_cents.get())
            ),
        ));
    }
    match own {
        Ok(q) if q.total.get() != stated.micro_cents => Err(format!(
            "line {}: the page's default cost is {} micro-cents, but the draft prices its default options at {} micro-cents ({q})",
            stated.line,
            group(stated.micro_cents),
            group(q.total.get())
        )),
        Ok(_) => Ok(MicroCents::new(stated.micro_cents)),
        Err(e) => {
            review.push(Review::at(
                stated.line,
                format!(
                    "the draft cannot price its defaults to compare with the default cost: {e}"
                ),
            ));
            Ok(MicroCents::new(stated.micro_cents))
        }
    }
}

/// A field typed from what the page states; members become array items or object fields.
fn typed_field(p: &PageField, review: &mut Vec<Review>) -> Field {
    let wire = p.wire.unwrap_or_else(|| {
        review.push(Review::at(
            p.line,
            format!("`{}`: no type on the page; assumed string", p.name),
        ));
        WireType::String
    });
    let value_type = p.options.as_deref().and_then(|o| value_type_of(o, wire));
    let lname = p.name.to_ascii_lowercase();
    // A field with options takes one of them, whatever its name says.
    let url = wire == WireType::String
        && p.options.is_none()
        && (lname.ends_with("url")
            || matches!(
                lname.as_str(),
                "image" | "video" | "end_image" | "voice" | "audio"
            ));
    let members = |review: &mut Vec<Review>| {
        p.members
            .iter()
            .map(|m| typed_field(m, review))
            .collect::<Vec<_>>()
    };
    let (items, fields) = match wire {
        WireType::Array => (Some(items(p, members(review), review)), Vec::new()),
        WireType::Object => (None, members(review)),
        _ => {
            if !p.members.is_empty() {
                review.push(Review::at(
                    p.line,
                    format!(
                        "`{}` is a {} but lists members; they are not read",
                        p.name,
                        wire.as_str()
                    ),
                ));
            }
            (None, Vec::new())
        }
    };
    let mut field = Field {
        name: p.name.clone(),
        description: format!("The `{}` input.", p.name),
        rust_name: None,
        wire_type: wire,
        value_type,
        format: url.then_some(Format::Url),
        required: p.required,
        default: p.default.as_deref().map(|d| wire_value(wire, d)),
        unit: (p.name == "duration" && value_type == Some(ValueType::Integer))
            .then(|| "seconds".to_string()),
        options: p.options.clone(),
        max_length: p.max_length,
        minimum: p.minimum,
        maximum: p.maximum,
        min_items: p.min_items,
        max_items: p.max_items,
        items,
        fields,
    };
    options_replace_range(&mut field, p.line, review);
    field
}

/// A field with options takes no range (its options are its values): a stated range is dropped,
/// and an option outside it is a review item.
pub(super) fn options_replace_range(f: &mut Field, line: usize, review: &mut Vec<Review>) {
    let Some(options) = &f.options else { return };
    let (lo, hi) = (f.minimum.take(), f.maximum.take());
    if lo.is_none() && hi.is_none() {
        return;
    }
    for o in options {
        let inside = o
            .parse::<f64>()
            .is_ok_and(|n| lo.is_none_or(|lo| n >= lo) && hi.is_none_or(|hi| n <= hi));
        if !inside {
            review.push(Review::at(
                line,
                format!(
                    "`{}`: option `{o}` is outside the range the page states ({} to {})",
                    f.name,
                    lo.map_or("any".into(), |v| v.to_string()),
                    hi.map_or("any".into(), |v| v.to_string())
                ),
            ));
        }
    }
}

/// The item shape of an array field: its members, its `type[]`, or URL strings for review.
fn items(p: &PageField, members: Vec<Field>, review: &mut Vec<Review>) -> Box<Items> {
    if !members.is_empty() {
        return Box::new(Items {
            wire_type: WireType::Object,
            format: None,
            max_length: None,
            fields: members,
        });
    }
    let name = p.name.to_ascii_lowercase();
    let media = ["image", "video", "audio", "frame", "url"]
        .iter()
        .any(|m| name.contains(m));
    let wire = p.item_wire.unwrap_or_else(|| {
        review.push(Review::at(
            p.line,
            format!(
                "`{}`: the item type is not stated; assumed URL strings",
                p.name
            ),
        ));
        WireType::String
    });
    Box::new(Items {
        wire_type: wire,
        format: (wire == WireType::String && (media || p.item_wire.is_none()))
            .then_some(Format::Url),
        max_length: None,
        fields: Vec::new(),
    })
}
