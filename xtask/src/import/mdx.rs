//! The MDX source of a docs page, section by section: front matter, the summary table, the
//! `<ParamField>`s of the request body (inputs nested in `input`'s `<Expandable>`), the pricing
//! section, and the example input of the code examples. The response section describes the API's
//! answer, not the model, and is skipped; any other section or component is reported.

use kling_descriptor::model::WireType;

use super::field_text;
use super::markup::{self, Node};
use super::page::{Page, PageField, Review, wire_of};
use super::price_table::{base_cost, pipe_rows, stated_cost};
use super::text::{excerpt, find_slug, inline, is_slug, normalize, plain};

/// Reads an MDX page.
pub fn read(text: &str) -> Page {
    let text = normalize(text);
    let mut page = Page::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let body_start = front_matter(&lines, &mut page);
    let body = lines[body_start..].join("\n");
    let nodes = markup::parse(&body, body_start + 1, &mut page.review);
    let mut section: Option<(String, usize)> = None;
    let mut start = 0;
    for i in 0..=nodes.len() {
        let heading = nodes.get(i).and_then(heading);
        if i < nodes.len() && heading.is_none() {
            continue;
        }
        read_section(section.as_ref(), &nodes[start..i], &mut page);
        section = heading;
        start = i + 1;
    }
    if page.slug.is_none() {
        page.slug = find_slug(&text);
        if let Some(slug) = &page.slug {
            page.review.push(Review::page(format!(
                "the slug `{slug}` was found only in passing; check it"
            )));
        }
    }
    page
}

/// `## Name` at the top level starts a section.
fn heading(node: &Node) -> Option<(String, usize)> {
    match node {
        Node::Text { text, line } if text.starts_with("## ") => {
            let name = plain(&inline(&text[3..]));
            let name = name
                .split('{')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            Some((name, *line))
        }
        _ => None,
    }
}

/// The front matter's `title`, `api` and `description`; returns the first body line's index.
fn front_matter(lines: &[&str], page: &mut Page) -> usize {
    let Some(open) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return 0;
    };
    if lines[open].trim() != "---" {
        return 0;
    }
    let Some(end) = lines[open + 1..]
        .iter()
        .position(|l| l.trim() == "---")
        .map(|p| open + 1 + p)
    else {
        page.review.push(Review::at(
            open + 1,
            "the front matter is never closed; read as body",
        ));
        return 0;
    };
    for (i, line) in lines[open + 1..end].iter().enumerate() {
        let line_no = open + i + 2;
        let Some((key, value)) = line.split_once(':') else {
            if !line.trim().is_empty() {
                page.review.push(Review::at(
                    line_no,
                    "a front matter line without `key:`; not read",
                ));
            }
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']).to_string();
        match key.trim() {
            "title" => page.title = Some(value),
            "description" => {}
            "api" if value == "POST /v1/jobs/submit" => {}
            "api" => page.review.push(Review::at(
                line_no,
                format!("the page's API is `{value}`, not `POST /v1/jobs/submit`"),
            )),
            other => page.review.push(Review::at(
                line_no,
                format!("front matter `{other}` is not read"),
            )),
        }
    }
    end + 1
}

fn read_section(section: Option<&(String, usize)>, nodes: &[Node], page: &mut Page) {
    let name = section.map(|(name, _)| name.to_ascii_lowercase());
    match name.as_deref() {
        None => preamble(nodes, page),
        Some("request body" | "request" | "parameters") => request_body(nodes, page),
        Some("pricing") => pricing(nodes, page),
        Some("response" | "responses") => {}
        Some("code examples" | "examples" | "example") => examples(nodes, page),
        Some(_) => {
            let (name, line) = section.cloned().unwrap_or_default();
            page.review
                .push(Review::at(line, format!("section `{name}` is not read")));
        }
    }
}

/// Reports a node the section has no place for; plain description text is not a fact.
fn unplaced(node: &Node, page: &mut Page) {
    match node {
        Node::Text { text, line } => {
            let lower = text.to_ascii_lowercase();
            let factual = [
                "cost",
                "price",
                "micro-cents",
                "$",
                "max",
                "min",
                "at most",
                "at least",
                "up to",
                "default",
                "must",
                "`",
            ]
            .iter()
            .any(|w| lower.contains(w));
            if factual {
                page.review.push(Review::at(
                    *line,
                    format!("\"{}\" is not read", excerpt(&plain(&inline(text)), 100)),
                ));
            }
        }
        Node::Element { name, line, .. } => {
            let words: Vec<String> = node.text_lines().into_iter().map(|(_, t)| t).collect();
            page.review.push(Review::at(
                *line,
                format!(
                    "<{name}> is not read: \"{}\"",
                    excerpt(&plain(&inline(&words.join(" "))), 100)
                ),
            ));
        }
        Node::Code { line, .. } => page
            .review
            .push(Review::at(*line, "a code block here is not read")),
    }
}

/// Consecutive table rows starting at `nodes[i]`: their lines, and the index after them.
fn table_at(nodes: &[Node], i: usize) -> (Vec<(usize, &str)>, usize) {
    let mut rows = Vec::new();
    let mut j = i;
    while let Some(Node::Text { text, line }) = nodes.get(j) {
        if !text.starts_with('|') {
            break;
        }
        rows.push((*line, text.as_str()));
        j += 1;
    }
    (rows, j)
}

fn cells(row: &str) -> Vec<String> {
    row.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| plain(&inline(c)).trim().to_string())
        .collect()
}

/// The intro paragraph (description) and the summary table `| **Provider** | Kling Plus |`.
fn preamble(nodes: &[Node], page: &mut Page) {
    let mut i = 0;
    while i < nodes.len() {
        let (rows, next) = table_at(nodes, i);
        if rows.is_empty() {
            match &nodes[i] {
                Node::Text { text, .. } if text.starts_with("# ") => {}
                node => unplaced(node, page),
            }
            i += 1;
            continue;
        }
        for (line, row) in rows.iter().skip(1) {
            match cells(row).as_slice() {
                [key, value] if !key.chars().all(|c| matches!(c, '-' | ':' | ' ')) => {
                    page.property(key, value, *line);
                }
                [_, _] => {}
                _ => page.review.push(Review::at(
                    *line,
                    format!("summary row `{}` is not read", row.trim()),
                )),
            }
        }
        i = next;
    }
}

/// `<ParamField body="model">` carries the slug, `input` the fields; `webhookUrl` and `version`
/// are request members. Pages without an `input` element list the fields at the top level.
fn request_body(nodes: &[Node], page: &mut Page) {
    let mut top = Vec::new();
    for node in nodes {
        match node {
            Node::Element { name, .. } if name == "ParamField" => match param_name(node) {
                Some("model") => model_slug(node, page),
                Some("input") => {
                    let fields = member_fields(node, page, true);
                    page.fields.extend(fields);
                }
                Some("webhookUrl" | "webhook_url" | "version") => {}
                Some(_) => top.extend(field(node, page)),
                None => page.review.push(Review::at(
                    node.line(),
                    "a <ParamField> without a `body` name is not read",
                )),
            },
            node => unplaced(node, page),
        }
    }
    if page.fields.is_empty() {
        page.fields = top;
    } else {
        for f in top {
            page.review.push(Review::at(
                f.line,
                format!("request member `{}` is outside `input`; not read", f.name),
            ));
        }
    }
}

fn param_name(node: &Node) -> Option<&str> {
    ["body", "name", "path", "query"]
        .iter()
        .find_map(|k| node.attr(k).flatten())
}

/// The slug from `default=` or `placeholder=`, or the text (`Use \`slug\` for …`).
fn model_slug(node: &Node, page: &mut Page) {
    let from_attr = ["default", "placeholder"]
        .iter()
        .find_map(|k| node.attr(k).flatten().filter(|v| is_slug(v)))
        .map(str::to_owned);
    let from_text = node
        .text_lines()
        .iter()
        .find_map(|(_, t)| find_slug(&plain(&inline(t))));
    if let (Some(a), Some(t)) = (&from_attr, &from_text)
        && a != t
    {
        page.review.push(Review::at(
            node.line(),
            format!(
                "the model's attribute says `{a}` but its text `{t}`; the attribute is drafted"
            ),
        ));
    }
    match from_attr.or(from_text) {
        Some(slug) => page.slug = Some(slug),
        None => page.review.push(Review::at(
            node.line(),
            "the `model` parameter names no slug",
        )),
    }
}

/// The `<ParamField>`s nested in an element, directly or inside `<Expandable>`s. With `report`,
/// anything else but text (description) is reported; a field reads it as its prose instead.
fn member_fields(node: &Node, page: &mut Page, report: bool) -> Vec<PageField> {
    let Node::Element { children, .. } = node else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    for child in children {
        match child {
            Node::Element { name, .. } if name == "ParamField" => fields.extend(field(child, page)),
            Node::Element { name, .. } if name == "Expandable" => {
                fields.extend(member_fields(child, page, report));
            }
            Node::Text { .. } => {}
            other if report => unplaced(other, page),
            _ => {}
        }
    }
    fields
}

/// One `<ParamField body="NAME" type="TYPE" [required] [default="…"]>` with its prose and members.
fn field(node: &Node, page: &mut Page) -> Option<PageField> {
    let Node::Element { children, line, .. } = node else {
        return None;
    };
    let Some(name) = param_name(node) else {
        page.review.push(Review::at(
            *line,
            "a <ParamField> without a `body` name is not read",
        ));
        return None;
    };
    let ty = node.attr("type").flatten().unwrap_or_default();
    let (wire, item_wire) = match ty.strip_suffix("[]") {
        Some(item) => (Some(WireType::Array), wire_of(item)),
        None => (wire_of(ty), None),
    };
    if wire.is_none() {
        page.review.push(Review::at(
            *line,
            format!("`{name}`: type `{ty}` is not one the importer knows"),
        ));
    }
    let mut f = PageField {
        name: name.to_string(),
        line: *line,
        wire,
        item_wire,
        required: node.attr("required").is_some_and(|v| v != Some("false")),
        default: node.attr("default").flatten().map(str::to_owned),
        ..PageField::default()
    };
    f.members = member_fields(node, page, false);
    let mut prose = Vec::new();
    for child in children {
        match child {
            Node::Element { name, .. } if name == "ParamField" || name == "Expandable" => {}
            Node::Code { line, .. } => page.review.push(Review::at(
                *line,
                format!("`{name}`: a code block in its text is not read"),
            )),
            // Text, and the text of notes and other components, is the field's prose.
            other => prose.extend(other.text_lines()),
        }
    }
    field_text::read(&mut f, &prose, &mut page.review);
    Some(f)
}

/// The base cost line, the formula (in a code block), the factor table and the `<Tip>`.
fn pricing(nodes: &[Node], page: &mut Page) {
    let mut i = 0;
    while i < nodes.len() {
        let (rows, next) = table_at(nodes, i);
        if let Some((header_line, header)) = rows.first() {
            let header = cells(header).join("|").to_ascii_lowercase();
            if header == "factor|option|multiplier" {
                let factors = pipe_rows(&rows[1..], &mut page.review);
                page.factors.extend(factors);
            } else {
                page.review.push(Review::at(
                    *header_line,
                    "a table that is not the factor table is not read",
                ));
            }
            i = next;
            continue;
        }
        pricing_node(&nodes[i], page);
        i += 1;
    }
}

fn pricing_node(node: &Node, page: &mut Page) {
    match node {
        Node::Text { text, line } => pricing_line(text, *line, node, page),
        Node::Code { body, line, .. } => {
            for (j, code_line) in body.split('\n').enumerate() {
                pricing_line(code_line.trim(), line + 1 + j, node, page);
            }
        }
        Node::Element { name, line, .. } if name == "Tip" => {
            let lines = node.text_lines();
            let text = lines
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            // Reported at the line that states the amount.
            let at = lines
                .iter()
                .find(|(_, t)| t.contains("micro-cents"))
                .map_or(*line, |(l, _)| *l);
            match stated_cost(&text, at, &mut page.review) {
                Some(cost) => page.default_cost = Some(cost),
                None => unplaced(node, page),
            }
        }
        other => unplaced(other, page),
    }
}

fn pricing_line(text: &str, line: usize, node: &Node, page: &mut Page) {
    let clean = plain(&inline(text));
    let clean = clean.trim();
    let lower = clean.to_ascii_lowercase();
    if clean.is_empty() {
        return;
    }
    if lower.starts_with("base cost:") {
        if let Some(base) = base_cost(&clean["base cost:".len()..], line, &mut page.review) {
            page.set_base(base);
        }
    } else if lower.starts_with("finalcost") {
        page.formula = Some((clean.to_string(), line));
    } else if (lower.starts_with("default cost") || lower.starts_with("cost:"))
        && page.default_cost.is_none()
    {
        page.default_cost = stated_cost(clean, line, &mut page.review);
    } else if matches!(node, Node::Code { .. }) {
        page.review.push(Review::at(
            line,
            format!(
                "\"{}\" in the formula block is not read",
                excerpt(clean, 80)
            ),
        ));
    } else {
        unplaced(node, page);
    }
}

/// The example input: the `"input"` object of each code block (alone or in a `<CodeGroup>`),
/// which must agree.
fn examples(nodes: &[Node], page: &mut Page) {
    for node in nodes {
        match node {
            Node::Code { body, line, info } => {
                let lang = info.split_whitespace().next().unwrap_or("code");
                super::example::read(body, *line, lang, page);
            }
            Node::Element { name, children, .. } if name == "CodeGroup" => examples(children, page),
            // Text here only introduces the examples.
            Node::Text { .. } => {}
            other => unplaced(other, page),
        }
    }
}
