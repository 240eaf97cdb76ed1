//! The MDX source of a docs page: front matter and `<ParamField>` elements (with nested
//! `<Expandable>` item fields) whose text states defaults, options and limits.

use kling_descriptor::model::WireType;

use super::page::{PageField, digits, wire_of};

/// The `title:` of the front matter.
pub fn title(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("title:"))
        .map(|t| t.trim().trim_matches('"').to_string())
}

/// The input fields: nested in the `input` body field, or listed at the top level.
pub fn fields(text: &str) -> Vec<PageField> {
    let top = param_fields(text);
    match top
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
    }
}

/// Reads `Default:`, `Options:`, `(max N characters)`, ranges and item limits from a field's text.
fn read_field_text(field: &mut PageField, text: &str) {
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
            read_options(field, &line[i + "options:".len()..]);
        }
        read_limits(field, &lower);
    }
}

fn clean(s: &str) -> String {
    s.trim()
        .trim_matches(|c| c == '`' || c == '"' || c == '\'' || c == '.' || c == ',')
        .to_string()
}

fn read_options(field: &mut PageField, rest: &str) {
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

/// `max N characters`, `up to N items`, `between A and B`, `range: A-B` in a lowercased line.
fn read_limits(field: &mut PageField, lower: &str) {
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
fn param_fields(text: &str) -> Vec<PageField> {
    let mut stack: Vec<PageField> = Vec::new();
    let mut done: Vec<PageField> = Vec::new();
    let mut buffer = String::new();
    let finish =
        |field: PageField, stack: &mut Vec<PageField>, done: &mut Vec<PageField>| match stack
            .last_mut()
        {
            Some(parent) => parent.item_fields.push(field),
            None => done.push(field),
        };
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
                finish(field, &mut stack, &mut done);
            } else {
                stack.push(field);
            }
        } else if line.starts_with("</ParamField") {
            if let Some(mut field) = stack.pop() {
                read_field_text(&mut field, &buffer);
                buffer.clear();
                finish(field, &mut stack, &mut done);
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
