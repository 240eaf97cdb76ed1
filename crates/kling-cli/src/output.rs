//! What the command prints, as views. Each JSON output is a `#[derive(Serialize)]` struct whose
//! field order is the key order scripts see; a text form that shows the same data is the view's
//! `Display`. Times are written by [`timestamp`] alone.

use std::fmt;
use std::time::SystemTime;

use kling::{ChoiceSource, Multiplier, PriceLine, Quote};
use kling_descriptor::Descriptor;
use serde::Serialize;

use crate::fail::Fail;

pub mod batch;
mod config;
mod files;
mod jobs;
mod webhook;

pub use config::SettingsView;
pub use files::{DownloadView, SavedFileView, WaitedView};
pub use jobs::{CancelledView, JobRow, JobView, JournalRow, SubmittedView, UploadedView};
pub use webhook::{EventView, Forwarded, VALID};

/// Prints a view as pretty JSON on stdout.
pub fn print_json(view: &impl Serialize) -> Result<(), Fail> {
    let text = serde_json::to_string_pretty(view).map_err(unwritable)?;
    println!("{text}");
    Ok(())
}

/// Prints a view as one line of JSON on stdout, for outputs that are a stream of views.
pub fn print_json_line(view: &impl Serialize) -> Result<(), Fail> {
    let text = serde_json::to_string(view)
        .map_err(|e| Fail::other("io", format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn unwritable(e: serde_json::Error) -> Fail {
    Fail::other("io", format!("cannot write JSON: {e}"))
}

/// Prints a view: as JSON with `--json`, else its text form.
pub fn emit<V: Serialize + fmt::Display>(view: &V, json_out: bool) -> Result<(), Fail> {
    if json_out {
        return print_json(view);
    }
    println!("{view}");
    Ok(())
}

/// A time as RFC 3339 in UTC, to the second (`2025-01-31T12:00:00Z`).
pub fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// One model of `kling models --json`.
#[derive(Serialize)]
pub struct ModelView<'a> {
    slug: &'a str,
    provider: &'a str,
    model: &'a str,
    capability: &'a str,
    base_cost_micro_cents: u64,
    flat: bool,
    processing_time_seconds: u32,
    summary: &'a str,
}

impl<'a> From<&'a Descriptor> for ModelView<'a> {
    fn from(d: &'a Descriptor) -> Self {
        ModelView {
            slug: &d.slug,
            provider: &d.provider,
            model: &d.model,
            capability: &d.capability,
            base_cost_micro_cents: d.pricing.base_micro_cents.get(),
            flat: d.pricing.flat,
            processing_time_seconds: d.processing_time_seconds,
            summary: &d.summary,
        }
    }
}

/// `kling price --json`: the price with its breakdown.
#[derive(Serialize)]
pub struct QuoteView<'a> {
    slug: &'a str,
    cost_micro_cents: u64,
    usd: String,
    base_micro_cents: u64,
    breakdown: Vec<PriceLineView<'a>>,
}

impl<'a> QuoteView<'a> {
    /// The view of `quote`, a price of the model `slug`.
    pub fn new(slug: &'a str, quote: &'a Quote) -> Self {
        QuoteView {
            slug,
            cost_micro_cents: quote.total.get(),
            usd: quote.total.usd_decimal(),
            base_micro_cents: quote.base.get(),
            breakdown: quote.lines.iter().map(PriceLineView::from).collect(),
        }
    }
}

/// One factor of a price.
#[derive(Serialize)]
struct PriceLineView<'a> {
    label: &'a str,
    field: &'a str,
    option: &'a str,
    /// Written as a decimal string, never a float.
    multiplier: &'a Multiplier,
    source: ChoiceSource,
}

impl<'a> From<&'a PriceLine> for PriceLineView<'a> {
    fn from(l: &'a PriceLine) -> Self {
        PriceLineView {
            label: &l.label,
            field: &l.field,
            option: &l.option,
            multiplier: &l.multiplier,
            source: l.source,
        }
    }
}
