//! What a page states, before typing: the summary properties, the fields, the pricing section and
//! the example input, read from either page shape.

use kling_descriptor::model::WireType;
use serde_json::Value;

/// A field as the page states it, before typing.
#[derive(Debug, Default, Clone)]
pub struct PageField {
    pub name: String,
    pub wire: Option<WireType>,
    pub required: bool,
    pub default: Option<String>,
    pub options: Option<Vec<String>>,
    pub max_length: Option<u32>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub max_items: Option<u32>,
    pub item_fields: Vec<PageField>,
    pub item_wire: Option<WireType>,
}

/// One factor of the price table: its label and `(option, multiplier)` rows.
pub type PageFactor = (String, Vec<(String, String)>);

#[derive(Debug, Default)]
pub struct Page {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub capability: Option<String>,
    pub base_cost: Option<u64>,
    pub base_unit: Option<String>,
    pub processing_time: Option<u32>,
    pub fields: Vec<PageField>,
    pub formula: Option<String>,
    pub factors: Vec<PageFactor>,
    pub default_cost: Option<u64>,
    pub example: Option<Value>,
    pub review: Vec<String>,
}

/// The number at the start of `text`, ignoring thousands separators.
pub fn digits(text: &str) -> Option<u64> {
    let d: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    d.parse().ok()
}

/// The first slug-looking token (`provider/model/capability`).
pub fn find_slug(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '`' | '"' | '\'' | '(' | ')' | ','))
        .map(|t| t.trim_end_matches(['.', ':']))
        .find(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            parts.len() == 3
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
                        })
                })
                && !t.contains("..")
        })
        .map(str::to_owned)
}

/// The wire type a page's type word or placeholder names.
pub fn wire_of(placeholder: &str) -> Option<WireType> {
    match placeholder.trim().to_ascii_lowercase().as_str() {
        "string" | "str" => Some(WireType::String),
        "boolean" | "bool" => Some(WireType::Boolean),
        "integer" | "int" => Some(WireType::Integer),
        "number" | "float" => Some(WireType::Number),
        "array" | "list" => Some(WireType::Array),
        "object" => Some(WireType::Object),
        t if t.ends_with("[]") => Some(WireType::Array),
        _ => None,
    }
}

/// The JSON object after `marker` in a curl example or template.
pub fn json_after(text: &str, marker: &str) -> Option<Value> {
    let start = text.find(marker)?;
    let body = &text[start..];
    let open = body.find('{')?;
    let mut depth = 0i32;
    for (i, c) in body[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let json = &body[open..open + i + 1];
                    return serde_json::from_str(json).ok();
                }
            }
            _ => {}
        }
    }
    None
}

/// One row of the summary table.
fn property(page: &mut Page, key: &str, value: &str) {
    let value = value.trim().trim_matches('|').trim().to_string();
    match key.trim().to_ascii_lowercase().as_str() {
        "provider" => page.provider = Some(value),
        "model" => page.model = Some(value),
        "capability" => page.capability = Some(value),
        "base cost" => {
            page.base_cost = digits(&value);
            page.base_unit = value
                .contains("/second")
                .then(|| "per second".to_string())
                .or_else(|| value.contains("per second").then(|| "per second".into()));
        }
        "processing time" => {
            page.processing_time = digits(value.trim_start_matches('~')).map(|n| n as u32)
        }
        _ => {}
    }
}

/// Reads a page of either shape.
pub fn read(text: &str) -> Page {
    let mut page = Page::default();
    let mdx = text.trim_start().starts_with("---") || text.contains("<ParamField");
    if mdx {
        page.title = super::mdx::title(text);
    }
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('|') {
            let cells: Vec<&str> = l.trim_matches('|').split('|').collect();
            if cells.len() == 2 {
                property(&mut page, cells[0], cells[1]);
            }
        } else if let Some((key, value)) = super::rendered::property(l) {
            property(&mut page, key, value);
        }
    }
    // Slug: "Use <slug> for", the model in a code example, or any slug-looking token.
    page.slug = text
        .lines()
        .find(|l| l.contains("Use ") && l.contains(" for "))
        .and_then(find_slug)
        .or_else(|| {
            text.lines()
                .filter(|l| l.contains("\"model\""))
                .find_map(find_slug)
        })
        .or_else(|| find_slug(text));
    if mdx {
        page.fields = super::mdx::fields(text);
    } else {
        page.fields = super::rendered::fields(text, &mut page.review);
    }
    // Example input: the last code example's input.
    if let Some(i) = text.rfind("\"model\": \"") {
        page.example = json_after(&text[i..], "\"input\"");
    }
    super::price_table::read(text, &mut page);
    page
}
