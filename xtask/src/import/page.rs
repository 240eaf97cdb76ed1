//! What a page states, before typing: the summary properties, the fields, the pricing section and
//! the example input, with the line each came from. Both page shapes fill this one structure.

use std::fmt;

use kling_descriptor::Multiplier;
use kling_descriptor::model::WireType;
use serde_json::Value;

/// Something a maintainer must settle, with the page line it came from when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The 1-based line of the page.
    pub line: Option<usize>,
    /// What to look at.
    pub message: String,
}

impl Review {
    /// An item about line `line` of the page.
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }

    /// An item about the page as a whole.
    pub fn page(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The two shapes a page comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The docs site's MDX source.
    Mdx,
    /// The text a browser copy of the rendered page gives.
    Rendered,
}

impl Form {
    /// MDX when the text has front matter or Mintlify components, rendered otherwise.
    pub fn detect(text: &str) -> Self {
        let start = text.trim_start_matches('\u{feff}').trim_start();
        if start.starts_with("---") || text.contains("<ParamField") {
            Form::Mdx
        } else {
            Form::Rendered
        }
    }
}

/// A field as the page states it, before typing.
#[derive(Debug, Default, Clone)]
pub struct PageField {
    pub name: String,
    pub line: usize,
    pub wire: Option<WireType>,
    /// The item type of an array written `type="string[]"`.
    pub item_wire: Option<WireType>,
    pub required: bool,
    pub default: Option<String>,
    pub options: Option<Vec<String>>,
    pub max_length: Option<u32>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u32>,
    pub max_items: Option<u32>,
    /// Nested fields: the members of each item of an array, or of an object.
    pub members: Vec<PageField>,
}

/// The base price and the unit the page states it in (`per second`, `per image`, `per request`).
#[derive(Debug, Clone)]
pub struct BaseCost {
    pub micro_cents: u64,
    pub unit: Option<String>,
    pub line: usize,
}

/// One factor of the price table.
#[derive(Debug, Clone)]
pub struct PageFactor {
    pub label: String,
    pub line: usize,
    pub rows: Vec<FactorRow>,
}

/// One option of a factor and its multiplier.
#[derive(Debug, Clone)]
pub struct FactorRow {
    pub option: String,
    pub multiplier: Multiplier,
    pub line: usize,
}

/// The default cost the page states (the `<Tip>`), with the worked example when it has one.
#[derive(Debug, Clone)]
pub struct StatedCost {
    pub micro_cents: u64,
    /// `base × m₁ × m₂ …` as written: the base, then the multipliers in formula order.
    pub chain: Option<(u64, Vec<Multiplier>)>,
    /// `name=value` assumptions written before the chain (`(duration=5): …`).
    pub assumes: Vec<(String, String)>,
    pub line: usize,
}

/// Everything read from one page.
#[derive(Debug)]
pub struct Page {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub capability: Option<String>,
    pub base: Option<BaseCost>,
    pub processing_time: Option<u32>,
    pub fields: Vec<PageField>,
    /// The formula line and its line number.
    pub formula: Option<(String, usize)>,
    pub factors: Vec<PageFactor>,
    pub default_cost: Option<StatedCost>,
    pub example: Option<Value>,
    pub review: Vec<Review>,
}

impl Page {
    /// An empty page.
    pub fn new() -> Self {
        Self {
            slug: None,
            title: None,
            provider: None,
            model: None,
            capability: None,
            base: None,
            processing_time: None,
            fields: Vec::new(),
            formula: None,
            factors: Vec::new(),
            default_cost: None,
            example: None,
            review: Vec::new(),
        }
    }

    /// Records one row of the summary table (`Provider`, `Base Cost`, …), keys in any case.
    pub fn property(&mut self, key: &str, value: &str, line: usize) {
        let value = value.trim().to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "provider" => self.provider = Some(value),
            "model" => self.model = Some(value),
            "capability" => self.capability = Some(value),
            "base cost" => match super::price_table::base_cost(&value, line, &mut self.review) {
                Some(base) => self.set_base(base),
                None => self
                    .review
                    .push(Review::at(line, format!("base cost `{value}` not read"))),
            },
            "processing time" => {
                match super::text::amount(&value).and_then(|(n, _)| u32::try_from(n).ok()) {
                    Some(seconds) => self.processing_time = Some(seconds),
                    None => self.review.push(Review::at(
                        line,
                        format!("processing time `{value}` not read"),
                    )),
                }
            }
            other => self.review.push(Review::at(
                line,
                format!("summary row `{other}` ({value}) is not a fact the importer reads"),
            )),
        }
    }

    /// Records a base cost; a second statement must agree with the first.
    pub fn set_base(&mut self, base: BaseCost) {
        match &self.base {
            None => self.base = Some(base),
            Some(first) if first.micro_cents != base.micro_cents => self.review.push(Review::at(
                base.line,
                format!(
                    "base cost {} micro-cents here, but {} on line {}: the first is drafted",
                    base.micro_cents, first.micro_cents, first.line
                ),
            )),
            Some(first) if first.unit.is_none() => {
                let line = first.line;
                self.base = Some(BaseCost { line, ..base });
            }
            Some(_) => {}
        }
    }
}

/// The wire type a page's type word names.
pub fn wire_of(ty: &str) -> Option<WireType> {
    match ty.trim().to_ascii_lowercase().as_str() {
        "string" | "str" => Some(WireType::String),
        "boolean" | "bool" => Some(WireType::Boolean),
        "integer" | "int" => Some(WireType::Integer),
        "number" | "float" => Some(WireType::Number),
        "array" | "list" => Some(WireType::Array),
        "object" => Some(WireType::Object),
        _ => None,
    }
}
