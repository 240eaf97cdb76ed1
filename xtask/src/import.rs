//! Drafts descriptors from PixelByte model pages, in both shapes they come in: the MDX source
//! of the docs site, and the text a browser copy of a rendered page gives.
//!
//! Facts are extracted (slug, names, types, options, defaults, limits, prices); the page's
//! sentences are not copied: field descriptions are neutral drafts for a maintainer to write,
//! and everything the importer could not determine is listed for review.

use std::collections::BTreeMap;

use kling_descriptor::model::{
    Descriptor, DocumentedCost, Factor, Field, Format, Items, MultiplierTable, Note, NoteTopic,
    Pricing, ValueType, WireType,
};
use kling_descriptor::{MicroCents, Multiplier};
use serde_json::Value;

/// A drafted descriptor and what a maintainer must look at.
#[derive(Debug)]
pub struct Draft {
    pub descriptor: Descriptor,
    pub review: Vec<String>,
}

/// A field as the page states it, before typing.
#[derive(Debug, Default, Clone)]
struct PageField {
    name: String,
    wire: Option<WireType>,
    required: bool,
    default: Option<String>,
    options: Option<Vec<String>>,
    max_length: Option<u32>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    max_items: Option<u32>,
    item_fields: Vec<PageField>,
    item_wire: Option<WireType>,
}

#[derive(Debug, Default)]
struct Page {
    slug: Option<String>,
    title: Option<String>,
    provider: Option<String>,
    model: Option<String>,
    capability: Option<String>,
    base_cost: Option<u64>,
    base_unit: Option<String>,
    processing_time: Option<u32>,
    fields: Vec<PageField>,
    formula: Option<String>,
    /// (label, [(option, multiplier)])
    factors: Vec<(String, Vec<(String, String)>)>,
    default_cost: Option<u64>,
    example: Option<Value>,
    review: Vec<String>,
}

fn digits(text: &str) -> Option<u64> {
    let d: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    d.parse().ok()
}

/// The first slug-looking token (`provider/model/capability`).
fn find_slug(text: &str) -> Option<String> {
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

fn wire_of(placeholder: &str) -> Option<WireType> {
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

/// Reads `Default:`, `Options:`, `(max N characters)`, ranges and item limits from a field's text.
fn read_field_text(field: &mut PageField, text: &str) {
    let clean = |s: &str| {
        s.trim()
            .trim_matches(|c| c == '`' || c == '"' || c == '\'' || c == '.' || c == ',')
            .to_string()
    };
    for line in text.lines() {
        let line = line.trim();
        let lower = line.to_ascii_lowercase();
        if let Some(i) = lower.find("default:") {
            let rest = &line[i + "default:".len()..];
            let value = rest
                .split_whitespace()
                .next()
                .map(clean)
                .unwrap_or_default();
            if !value.is_empty() {
                field.default = Some(value);
            }
        }
        if let Some(i) = lower.find("options:") {
            let rest = &line[i + "options:".len()..];
            let rest = rest
                .split(['.', ';'])
                .next()
                .filter(|r| r.contains('`'))
                .unwrap_or(rest);
            let options: Vec<String> = rest
                .split(',')
                .flat_map(|part| part.split(" or "))
                .map(clean)
                .filter(|o| !o.is_empty() && !o.contains(' '))
                .collect();
            if !options.is_empty() {
                field.options = Some(options);
            }
        }
        for (pattern, slot) in [("max ", 0), ("maximum ", 0), ("up to ", 1), ("at most ", 1)] {
            if let Some(i) = lower.find(pattern) {
                let after = &lower[i + pattern.len()..];
                if let Some(n) = digits(after) {
                    let unit = after
                        .trim_start_matches(|c: char| c.is_ascii_digit() || c == ',')
                        .trim_start();
                    if unit.starts_with("char") {
                        field.max_length = Some(n as u32);
                    } else if unit.starts_with("item")
                        || unit.starts_with("image")
                        || unit.starts_with("element")
                        || slot == 1 && field.wire == Some(WireType::Array)
                    {
                        field.max_items = Some(n as u32);
                    }
                }
            }
        }
        // "between 0 and 1", "range: 0-1", "from 0 to 1"
        let numbers: Vec<f64> = lower
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter_map(|t| t.trim_matches('.').parse::<f64>().ok())
            .collect();
        if (lower.contains("between") || lower.contains("range")) && numbers.len() >= 2 {
            field.minimum = Some(numbers[0]);
            field.maximum = Some(numbers[1]);
        } else if let Some(i) = lower.find("range:")
            && let Some((lo, hi)) = lower[i + 6..].trim().split_once('-')
        {
            field.minimum = lo.trim().parse().ok();
            field.maximum = hi.trim().trim_end_matches('.').parse().ok();
        }
    }
}

/// The `name` of `<ParamField body="name" ...>` and its attributes.
fn param_attrs(tag: &str) -> (Option<String>, Option<String>, bool) {
    let attr = |key: &str| {
        let i = tag.find(&format!("{key}=\""))? + key.len() + 2;
        let end = tag[i..].find('"')? + i;
        Some(tag[i..end].to_string())
    };
    let name = attr("body")
        .or_else(|| attr("path"))
        .or_else(|| attr("query"));
    let required = tag
        .split_whitespace()
        .any(|w| w.trim_end_matches(['>', '/']) == "required");
    (name, attr("type"), required)
}

/// Parses `<ParamField>` elements (with nested `<Expandable>` item fields) from MDX.
fn mdx_fields(text: &str) -> Vec<PageField> {
    let mut stack: Vec<PageField> = Vec::new();
    let mut done: Vec<PageField> = Vec::new();
    let mut buffer = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("<ParamField") {
            let (name, ty, required) = param_attrs(line);
            let wire = ty.as_deref().and_then(wire_of);
            let mut field = PageField {
                name: name.unwrap_or_default(),
                wire,
                required,
                ..PageField::default()
            };
            if let Some(t) = ty.as_deref().filter(|t| t.ends_with("[]")) {
                field.item_wire = wire_of(t.trim_end_matches("[]"));
            }
            if let Some(parent) = stack.last_mut() {
                read_field_text(parent, &buffer);
            }
            buffer.clear();
            let inline = line
                .split_once('>')
                .map(|(_, rest)| rest.replace("</ParamField>", ""))
                .unwrap_or_default();
            buffer.push_str(&inline);
            buffer.push('\n');
            if line.ends_with("/>") || line.contains("</ParamField>") {
                read_field_text(&mut field, &buffer);
                buffer.clear();
                match stack.last_mut() {
                    Some(parent) => parent.item_fields.push(field),
                    None => done.push(field),
                }
            } else {
                stack.push(field);
            }
        } else if line.starts_with("</ParamField") {
            if let Some(mut field) = stack.pop() {
                read_field_text(&mut field, &buffer);
                buffer.clear();
                match stack.last_mut() {
                    Some(parent) => parent.item_fields.push(field),
                    None => done.push(field),
                }
            }
        } else if !stack.is_empty()
            && !line.starts_with("<Expandable")
            && !line.starts_with("</Expandable")
        {
            buffer.push_str(line);
            buffer.push('\n');
        }
    }
    done
}

/// Splits a run-together table cell like `1010x` or `true1.5x` into (option, multiplier).
/// Returns the candidates when the split is ambiguous.
fn split_cell(cell: &str) -> Result<(String, String), Vec<(String, String)>> {
    let cell = cell.trim().trim_end_matches(['x', '×']).trim();
    let is_decimal = |s: &str| {
        !s.is_empty()
            && s.parse::<Multiplier>().is_ok()
            && (!s.starts_with('0') || s == "0" || s.starts_with("0."))
    };
    let mut candidates: Vec<(String, String)> = Vec::new();
    for (i, _) in cell.char_indices().skip(1) {
        let (option, mult) = cell.split_at(i);
        if is_decimal(mult) && !option.ends_with('.') {
            candidates.push((option.to_string(), mult.to_string()));
        }
    }
    // An alphabetic option ends where the number starts.
    if let Some(c) = candidates
        .iter()
        .find(|(o, _)| o.chars().all(|c| !c.is_ascii_digit() && c != '.'))
    {
        let first_digit = cell
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(cell.len());
        let (o, m) = cell.split_at(first_digit);
        if is_decimal(m) {
            return Ok((o.to_string(), m.to_string()));
        }
        return Ok(c.clone());
    }
    // Options are rarely fractional: prefer splits whose option is a whole word or number.
    let whole: Vec<(String, String)> = candidates
        .iter()
        .filter(|(o, _)| !o.contains('.'))
        .cloned()
        .collect();
    if !whole.is_empty() {
        candidates = whole;
    }
    if let Some(same) = candidates.iter().find(|(o, m)| o == m) {
        return Ok(same.clone());
    }
    match candidates.len() {
        0 => Err(Vec::new()),
        1 => Ok(candidates.remove(0)),
        _ => Err(candidates),
    }
}

/// Parses `Label | Option | Multiplier` rows (MDX tables) or run-together rows (rendered text).
fn factor_rows(lines: &[&str], factor_names: &[String], page: &mut Page) {
    let mut current: Option<(String, Vec<(String, String)>)> = None;
    let labels_seen = factor_names.len();
    for line in lines {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with("|-")
            || line.starts_with("| -")
            || line.starts_with("|:")
        {
            continue;
        }
        let (label, option, mult) = if line.starts_with('|') {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            if cells.len() < 3 || cells[0].eq_ignore_ascii_case("factor") {
                continue;
            }
            (
                cells[0].to_string(),
                cells[1].trim_matches('`').to_string(),
                cells[2].trim_end_matches(['x', '×']).trim().to_string(),
            )
        } else {
            // Rendered: "Duration33x" starts a factor, "44x" continues it.
            let starts_label = line.starts_with(|c: char| c.is_ascii_uppercase());
            let (label, rest) = if starts_label && current.as_ref().is_none_or(|_| labels_seen > 0)
            {
                // Labels the page may use: the usual ones, and each formula field title-cased.
                let mut known: Vec<String> = [
                    "Has Sound",
                    "Sound",
                    "Duration",
                    "Quality",
                    "Resolution",
                    "Mode",
                ]
                .map(String::from)
                .to_vec();
                known.extend(factor_names.iter().map(|f| {
                    f.split('_')
                        .map(|w| {
                            let mut c = w.chars();
                            c.next()
                                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                }));
                known.sort_by_key(|k| std::cmp::Reverse(k.len()));
                match known.iter().find(|k| line.starts_with(k.as_str())) {
                    Some(k) => (k.clone(), &line[k.len()..]),
                    None => {
                        // Label = the leading capitalised word(s) before a lowercase/digit option.
                        let end = line
                            .char_indices()
                            .skip(1)
                            .find(|(_, c)| c.is_ascii_digit())
                            .map_or(line.len(), |(i, _)| i);
                        (line[..end].to_string(), &line[end..])
                    }
                }
            } else {
                (String::new(), line)
            };
            match split_cell(rest) {
                Ok((o, m)) => (label, o, m),
                Err(candidates) => {
                    page.review.push(format!(
                        "price table row `{line}` is ambiguous ({}); check the multipliers",
                        candidates
                            .iter()
                            .map(|(o, m)| format!("{o}→{m}"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                    match candidates.into_iter().min_by(|a, b| {
                        a.1.parse::<f64>()
                            .unwrap_or(f64::MAX)
                            .total_cmp(&b.1.parse::<f64>().unwrap_or(f64::MAX))
                    }) {
                        Some((o, m)) => (label, o, m),
                        None => continue,
                    }
                }
            }
        };
        if !label.is_empty() {
            if let Some(done) = current.take() {
                page.factors.push(done);
            }
            current = Some((label, Vec::new()));
        }
        if let Some((_, rows)) = current.as_mut() {
            rows.push((option, mult));
        }
    }
    if let Some(done) = current.take() {
        page.factors.push(done);
    }
}

fn formula_fields(formula: &str) -> Vec<String> {
    formula
        .split(['×', '*'])
        .skip(1)
        .map(|t| {
            t.trim()
                .trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .to_string()
        })
        .filter(|t| !t.is_empty() && !t.starts_with('('))
        .collect()
}

/// The JSON object after `"input":` in a curl example or template.
fn json_after(text: &str, marker: &str) -> Option<Value> {
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

fn parse_page(text: &str) -> Page {
    let mut page = Page::default();
    let mdx = text.trim_start().starts_with("---") || text.contains("<ParamField");
    // Title: MDX front matter or the heading line before the curl template.
    if mdx {
        page.title = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("title:"))
            .map(|t| t.trim().trim_matches('"').to_string());
    }
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('|') {
            let cells: Vec<&str> = l.trim_matches('|').split('|').collect();
            if cells.len() == 2 {
                property(&mut page, cells[0], cells[1]);
            }
        } else {
            for key in [
                "Provider",
                "Model",
                "Capability",
                "Base Cost",
                "Processing Time",
            ] {
                if let Some(rest) = l.strip_prefix(key)
                    && !rest.is_empty()
                    && !rest.starts_with(' ')
                    && !rest.starts_with(':')
                {
                    property(&mut page, key, rest);
                }
            }
        }
    }
    // Slug: "Use <slug> for", the model in a code example, or any slug-looking token.
    page.slug = text
        .lines()
        .find(|l| l.contains("Use ") && l.contains(" for "))
        .and_then(find_slug)
        .or_else(|| json_after(text, "\"model\": \"").and(None))
        .or_else(|| {
            text.lines()
                .filter(|l| l.contains("\"model\""))
                .find_map(find_slug)
        })
        .or_else(|| find_slug(text));
    // Fields.
    if mdx {
        let top = mdx_fields(text);
        // Input fields are either nested in the `input` body field or listed at the top level.
        page.fields = match top
            .iter()
            .find(|f| f.name == "input" && !f.item_fields.is_empty())
        {
            Some(input) => input.item_fields.clone(),
            None => top
                .into_iter()
                .filter(|f| {
                    !matches!(
                        f.name.as_str(),
                        "model" | "input" | "webhookUrl" | "version"
                    )
                })
                .collect(),
        };
    } else if let Some(template) = json_after(text, "\"input\"")
        && let Some(obj) = template.as_object()
    {
        for (name, placeholder) in obj {
            let wire = match placeholder {
                Value::String(s) => wire_of(s.trim_matches(['<', '>'])).or(Some(WireType::String)),
                Value::Bool(_) => Some(WireType::Boolean),
                Value::Number(n) if n.is_f64() => Some(WireType::Number),
                Value::Number(_) => Some(WireType::Number),
                Value::Array(_) => Some(WireType::Array),
                Value::Object(_) => Some(WireType::Object),
                Value::Null => None,
            };
            page.fields.push(PageField {
                name: name.clone(),
                wire,
                ..PageField::default()
            });
        }
        page.review.push("the rendered page shows no field descriptions: requiredness, defaults, limits and item shapes need checking".into());
    }
    // Example input: the last code example's input.
    if let Some(i) = text.rfind("\"model\": \"") {
        page.example = json_after(&text[i..], "\"input\"");
    }
    // Pricing.
    let lines: Vec<&str> = text.lines().collect();
    page.formula = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("finalCost"))
        .map(|l| l.trim_matches('`').to_string());
    let factor_names = page
        .formula
        .as_deref()
        .map(formula_fields)
        .unwrap_or_default();
    if let Some(start) = lines.iter().position(|l| {
        let l = l.replace([' ', '|'], "").to_ascii_lowercase();
        l.starts_with("factoroptionmultiplier")
    }) {
        let end = lines[start + 1..]
            .iter()
            .position(|l| {
                let l = l.trim().to_ascii_lowercase();
                l.starts_with("default cost")
                    || l.starts_with("cost:")
                    || l.starts_with("<tip")
                    || l.starts_with("##")
                    || l.starts_with("response")
            })
            .map_or(lines.len(), |p| start + 1 + p);
        factor_rows(&lines[start + 1..end], &factor_names, &mut page);
    }
    page.default_cost = lines
        .iter()
        .find(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("default cost") || l.trim_start().starts_with("cost:")
        })
        .and_then(|l| {
            let before = l.split("micro-cents").next()?;
            let number = before
                .rsplit(|c: char| !(c.is_ascii_digit() || c == ','))
                .find(|t| !t.is_empty())?;
            digits(number)
        });
    page
}

fn title_parts(title: &str) -> (Option<String>, Option<String>) {
    match title.split_once(" — ").or_else(|| title.split_once(" - ")) {
        Some((m, c)) => (Some(m.trim().to_string()), Some(c.trim().to_string())),
        None => (None, None),
    }
}

/// How users see a string field whose options are all `true`/`false` or all whole numbers.
pub fn value_type_of(options: &[String], wire: WireType) -> Option<ValueType> {
    if wire != WireType::String {
        return None;
    }
    if options.len() == 2 && options.iter().all(|x| x == "true" || x == "false") {
        Some(ValueType::Boolean)
    } else if options.iter().all(|x| x.parse::<i64>().is_ok()) {
        Some(ValueType::Integer)
    } else {
        None
    }
}

/// A default written as text, in the field's wire form (text that does not fit stays a string,
/// for the checks to report).
pub fn wire_value(wire: WireType, text: &str) -> Value {
    let fallback = || Value::String(text.to_string());
    match wire {
        WireType::Boolean => Value::Bool(text == "true"),
        WireType::Integer => text.parse::<i64>().map_or_else(|_| fallback(), Value::from),
        WireType::Number => text.parse::<f64>().map_or_else(|_| fallback(), Value::from),
        _ => fallback(),
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
    let items = (wire == WireType::Array).then(|| {
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
    });
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

/// Drafts a descriptor from a page's text.
pub fn draft(text: &str, docs_url: Option<&str>) -> Result<Draft, String> {
    let mut page = parse_page(text);
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
    let model = page.model.clone().or(title_model).unwrap_or_else(|| {
        review.push("model name not found; derived from the slug".into());
        parts[1].to_string()
    });
    let capability = page
        .capability
        .clone()
        .or(title_capability)
        .unwrap_or_else(|| {
            review.push("capability not found; derived from the slug".into());
            parts[2].to_string()
        });
    let provider = page.provider.clone().unwrap_or_else(|| {
        review.push("provider not found; derived from the slug".into());
        parts[0].to_string()
    });
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

    // Factors: table labels map to the formula's field names, in order.
    let formula = page.formula.clone().unwrap_or_else(|| {
        review.push("no pricing formula found".into());
        "finalCost = baseCost".into()
    });
    let names = formula_fields(&formula);
    let flat = page.factors.is_empty();
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
        // Rendered pages give no options: take them from the price table.
        if let Some(f) = fields.iter_mut().find(|f| f.name == field) {
            if f.options.is_none() && f.wire_type != WireType::Boolean {
                f.options = Some(table.iter().map(|(o, _)| o.clone()).collect());
                f.value_type = value_type_of(f.options.as_deref().unwrap_or_default(), f.wire_type);
                if f.name == "duration" && f.value_type == Some(ValueType::Integer) {
                    f.unit = Some("seconds".into());
                }
                review.push(format!("`{field}`: options taken from the price table"));
            }
            if f.default.is_none() && !f.required {
                let from_example = page.example.as_ref().and_then(|e| e.get(&field)).cloned();
                match from_example {
                    Some(v) => {
                        review.push(format!("`{field}`: no default stated; took {v} from the example"));
                        f.default = Some(v);
                    }
                    None => review.push(format!("`{field}` decides the price but has no default: state the one the server applies")),
                }
            }
        } else {
            review.push(format!("factor field `{field}` is not an input field"));
        }
        factors.push(Factor {
            field,
            label: label.clone(),
            multipliers: MultiplierTable(table),
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_together_cells_split_sensibly() {
        assert_eq!(split_cell("33x"), Ok(("3".into(), "3".into())));
        assert_eq!(split_cell("1010x"), Ok(("10".into(), "10".into())));
        assert_eq!(split_cell("true1.5x"), Ok(("true".into(), "1.5".into())));
        assert_eq!(split_cell("std1x"), Ok(("std".into(), "1".into())));
        assert_eq!(split_cell("301.25x"), Ok(("30".into(), "1.25".into())));
        assert!(split_cell("241x").is_err(), "24→1 or 2→41: ambiguous");
    }

    #[test]
    fn slugs_and_formulas_are_found() {
        assert_eq!(
            find_slug("Use kling-plus/kling-o3-standard/video-edit for video edit."),
            Some("kling-plus/kling-o3-standard/video-edit".into())
        );
        assert_eq!(
            formula_fields("finalCost = baseCost × duration × has_sound"),
            ["duration", "has_sound"]
        );
        assert!(formula_fields("finalCost = baseCost (flat per-video)").is_empty());
    }
}
