//! The example input of a page's code examples: the `"input"` JSON object of a curl, Python or
//! JavaScript block (strings and escapes respected), and the slug it submits to.

use serde_json::Value;

use super::page::{Page, Review};

/// Records the example input of one code block (`lang` names it in review items); a second
/// example must send the same input, and submit to the page's slug.
pub fn read(body: &str, line: usize, lang: &str, page: &mut Page) {
    let Some(start) = body.find("\"input\"") else {
        return;
    };
    let Some(input) = json_object(&body[start..]) else {
        page.review.push(Review::at(
            line,
            format!("the {lang} example's input is not JSON; not read"),
        ));
        return;
    };
    if let Some(slug) =
        json_object_field(body, "\"model\"").filter(|s| Some(s) != page.slug.as_ref())
    {
        page.review.push(Review::at(
            line,
            format!("the {lang} example submits to `{slug}`"),
        ));
    }
    match &page.example {
        None => page.example = Some(input),
        Some(first) if *first != input => {
            page.review.push(Review::at(line, format!("the {lang} example sends another input than the first example; the first is drafted")));
        }
        Some(_) => {}
    }
}

/// The string value after `key:` (for `"model": "slug"`).
fn json_object_field(text: &str, key: &str) -> Option<String> {
    let rest = &text[text.find(key)? + key.len()..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The JSON object that starts at the first `{` of `text`, strings and escapes respected.
pub fn json_object(text: &str) -> Option<Value> {
    let open = text.find('{')?;
    let body = &text[open..];
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in body.char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') | (false, _, '"') => in_string = !in_string,
            (false, _, '{') => depth += 1,
            (false, _, '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return serde_json::from_str(&body[..=i]).ok();
                }
            }
            _ => {}
        }
    }
    None
}
