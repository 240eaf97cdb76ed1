//! The facts a field's prose states: `Default: \`16:9\`.`, `Options: \`a\`, \`b\`.`, limits in words or
//! in parentheses (`(max 2500 characters)`, `between 0 and 1`, `(≤4 with video, ≤7 without)`), and
//! item shapes in words. A sentence that looks like a fact but is not read becomes a review item;
//! the rest is description, which a maintainer writes in their own words.

use kling_descriptor::model::WireType;

use super::page::{PageField, Review};
use super::text::{code_spans, excerpt, inline, plain};

/// Reads the field's prose lines (with their page lines) into `field`.
pub fn read(field: &mut PageField, lines: &[(usize, String)], review: &mut Vec<Review>) {
    for (line, text) in lines {
        for sentence in sentences(&inline(text)) {
            let mut placed = default(field, &sentence, *line, review);
            placed |= options(field, &sentence);
            placed |= limits(field, &sentence, *line, review);
            placed |= item_shape(field, &sentence, *line, review);
            if !placed && looks_like_a_fact(&sentence) {
                review.push(Review::at(
                    *line,
                    format!(
                        "`{}`: \"{}\" is not read; check it for a constraint",
                        field.name,
                        excerpt(&plain(&sentence), 120)
                    ),
                ));
            }
        }
    }
}

/// Sentences end at `.`, `!` or `?` before a space, outside code spans and parentheses.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut code, mut parens) = (false, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        match c {
            '`' => code = !code,
            '(' if !code => parens += 1,
            ')' if !code => parens = parens.saturating_sub(1),
            '.' | '!' | '?'
                if !code && parens == 0 && chars.peek().is_none_or(|n| n.is_whitespace()) =>
            {
                out.push(std::mem::take(&mut current).trim().to_string());
            }
            _ => {}
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// A sentence with a number, a code span, a comparison or a word of constraint.
fn looks_like_a_fact(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    sentence.contains(|c: char| c.is_ascii_digit() || matches!(c, '`' | '≤' | '≥' | '<' | '>'))
        || [
            "max",
            "min",
            "at most",
            "at least",
            "up to",
            "between",
            "range",
            "must",
            "only",
            "require",
            "default",
            "option",
            "each",
            "limit",
            "cannot",
            "not supported",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// The text after the first of `keys` in `sentence` (ASCII case-insensitive).
fn after_key<'a>(sentence: &'a str, keys: &[&str]) -> Option<&'a str> {
    let lower = sentence.to_ascii_lowercase();
    keys.iter()
        .filter_map(|k| lower.find(k).map(|i| i + k.len()))
        .min()
        .map(|i| &sentence[i..])
}

/// `Default: \`5\``, `Defaults to 5`, `Default is \`16:9\``; `Default: none` states there is none.
fn default(field: &mut PageField, sentence: &str, line: usize, review: &mut Vec<Review>) -> bool {
    let Some(rest) = after_key(
        sentence,
        &["default:", "defaults to", "default is", "default value:"],
    ) else {
        return false;
    };
    let rest = rest.trim_start();
    let value = match code_spans(rest)
        .into_iter()
        .next()
        .filter(|_| rest.starts_with('`'))
    {
        Some(span) => span,
        None => rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ')' | '"' | '\''))
            .to_string(),
    };
    if value.is_empty()
        || ["none", "null", "n/a", "-"].contains(&value.to_ascii_lowercase().as_str())
    {
        return true;
    }
    match &field.default {
        Some(first) if *first != value => review.push(Review::at(
            line,
            format!("`{}`: the text says the default is `{value}`, the attribute `{first}`; the attribute is drafted", field.name),
        )),
        Some(_) => {}
        None => field.default = Some(value),
    }
    true
}

/// `Options: \`a\`, \`b\``, `One of \`a\` or \`b\``, `Allowed values: …`.
fn options(field: &mut PageField, sentence: &str) -> bool {
    let Some(rest) = after_key(
        sentence,
        &[
            "options:",
            "one of",
            "allowed values:",
            "accepted values:",
            "possible values:",
            "values:",
        ],
    ) else {
        return false;
    };
    let mut options = code_spans(rest);
    if options.is_empty() {
        options = rest
            .split([',', '.', ';'])
            .flat_map(|part| part.split(" or "))
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty() && !o.contains(' '))
            .collect();
    }
    options.dedup();
    if options.is_empty() {
        return false;
    }
    field.options = Some(options);
    true
}

/// The numbers of a sentence with the byte ranges they occupy (a sign only at a word start).
fn numbers(lower: &str) -> Vec<(f64, usize, usize)> {
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let signed = bytes[i] == b'-'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && (i == 0 || matches!(bytes[i - 1], b' ' | b'('));
        if bytes[i].is_ascii_digit() || signed {
            let start = i;
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || bytes[i] == b','
                    || bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                i += 1;
            }
            let text = lower[start..i].trim_end_matches(',').replace(',', "");
            if let Ok(n) = text.parse::<f64>()
                && n.is_finite()
            {
                out.push((n, start, i));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Which kind of limit a field can take.
enum Kind {
    Length,
    Items,
    Value,
}

fn kind(field: &PageField, lower: &str) -> Option<Kind> {
    match field.wire {
        Some(WireType::Array) => Some(Kind::Items),
        Some(WireType::Integer | WireType::Number) => Some(Kind::Value),
        _ if lower.contains("char") => Some(Kind::Length),
        _ => None,
    }
}

/// Upper and lower bounds in words or symbols; conditional ones (`≤4 with video, ≤7 without`)
/// are read as their largest bound and reported.
fn limits(field: &mut PageField, sentence: &str, line: usize, review: &mut Vec<Review>) -> bool {
    let lower = sentence
        .to_ascii_lowercase()
        .replace("<=", "≤")
        .replace(">=", "≥");
    let Some(kind) = kind(field, &lower) else {
        return false;
    };
    let nums = numbers(&lower);
    // "Each item has 1-4 …" limits the items' members, not the array.
    let each = lower.find("each ");
    if matches!(kind, Kind::Items) && each.is_some_and(|e| nums.first().is_some_and(|n| e < n.1)) {
        return false;
    }
    let word_before = |start: usize, words: &[&str]| {
        let head = lower[..start].trim_end();
        words.iter().any(|w| head.ends_with(w))
    };
    let uppers: Vec<f64> = nums
        .iter()
        .filter(|(_, s, _)| {
            word_before(
                *s,
                &[
                    "max",
                    "maximum",
                    "up to",
                    "at most",
                    "≤",
                    "<",
                    "no more than",
                ],
            )
        })
        .map(|(n, _, _)| *n)
        .collect();
    let lowers: Vec<f64> = nums
        .iter()
        .filter(|(_, s, _)| {
            word_before(
                *s,
                &["min", "minimum", "at least", "≥", ">", "no less than"],
            )
        })
        .map(|(n, _, _)| *n)
        .collect();
    let range = nums.windows(2).find_map(|w| {
        let between = lower[w[0].2..w[1].1].trim();
        let joined = matches!(between, "-" | "–" | "to")
            || between == "and" && word_before(w[0].1, &["between"]);
        joined.then_some((w[0].0, w[1].0))
    });
    let (lo, hi) = match range {
        Some((lo, hi)) => (Some(lo), Some(hi)),
        None => (
            lowers.first().copied(),
            uppers.iter().copied().reduce(f64::max),
        ),
    };
    if lo.is_none() && hi.is_none() {
        return false;
    }
    if uppers.len() > 1 {
        review.push(Review::at(
            line,
            format!("`{}`: a conditional limit (\"{}\") is drafted as its largest bound; add a rule if the API enforces the others", field.name, excerpt(&plain(sentence), 80)),
        ));
    }
    let whole =
        |n: f64| (n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX)).then_some(n as u32);
    match kind {
        Kind::Length => {
            field.max_length = hi.and_then(whole).or(field.max_length);
            if let Some(lo) = lo {
                review.push(Review::at(
                    line,
                    format!(
                        "`{}`: a minimum length of {lo} is not kept (descriptors have none)",
                        field.name
                    ),
                ));
            }
        }
        Kind::Items => {
            field.max_items = hi.and_then(whole).or(field.max_items);
            field.min_items = lo.and_then(whole).or(field.min_items);
        }
        Kind::Value => {
            field.maximum = hi.or(field.maximum);
            field.minimum = lo.or(field.minimum);
        }
    }
    true
}

/// An array whose items are described in words (`Each shot has a \`prompt\` …`): reported, since
/// the draft cannot type them.
fn item_shape(field: &PageField, sentence: &str, line: usize, review: &mut Vec<Review>) -> bool {
    let lower = sentence.to_ascii_lowercase();
    if field.wire != Some(WireType::Array)
        || !field.members.is_empty()
        || !lower.contains("each")
        || code_spans(sentence).is_empty()
    {
        return false;
    }
    review.push(Review::at(
        line,
        format!(
            "`{}`: the item shape is stated in words (\"{}\"); type the items by hand",
            field.name,
            excerpt(&plain(sentence), 100)
        ),
    ));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_one(wire: WireType, text: &str) -> (PageField, Vec<Review>) {
        let mut field = PageField {
            name: "f".into(),
            wire: Some(wire),
            ..PageField::default()
        };
        let mut review = Vec::new();
        read(&mut field, &[(7, text.to_string())], &mut review);
        (field, review)
    }

    #[test]
    fn defaults_options_and_limits_in_prose() {
        let (f, r) = read_one(
            WireType::String,
            "Frame shape. Options: `16:9`, `9:16`, `1:1`. Default: `16:9`.",
        );
        assert_eq!(
            (f.default.as_deref(), f.options.unwrap().len()),
            (Some("16:9"), 3)
        );
        assert!(r.is_empty(), "{r:?}");
        let (f, r) = read_one(WireType::String, "What to draw (max 2,500 characters).");
        assert_eq!(f.max_length, Some(2_500));
        assert!(r.is_empty());
        let (f, _) = read_one(
            WireType::Number,
            "How closely to follow the text (0-1). Defaults to 0.5.",
        );
        assert_eq!(
            (f.minimum, f.maximum, f.default.as_deref()),
            (Some(0.0), Some(1.0), Some("0.5"))
        );
        let (f, _) = read_one(WireType::Integer, "Any value between -3 and 3.");
        assert_eq!((f.minimum, f.maximum), (Some(-3.0), Some(3.0)));
        let (f, r) = read_one(
            WireType::Array,
            "Pictures to follow (≤4 with a clip, ≤7 without).",
        );
        assert_eq!(f.max_items, Some(7));
        assert_eq!(r.len(), 1, "the conditional limit is reported");
        let (f, _) = read_one(WireType::Array, "At least 2 and up to 6 panels.");
        assert_eq!((f.min_items, f.max_items), (Some(2), Some(6)));
    }

    #[test]
    fn unread_facts_and_word_shapes_are_reported() {
        let (_, r) = read_one(
            WireType::Array,
            "Each shot has a `prompt` and an optional `length`.",
        );
        assert_eq!(r.len(), 1);
        assert!(
            r[0].message.contains("item shape is stated in words"),
            "{r:?}"
        );
        let (f, r) = read_one(
            WireType::Array,
            "Each item: 1-4 pictures and an optional voice.",
        );
        assert_eq!(
            (f.max_items, r.len()),
            (None, 1),
            "a limit of each item is not the array's"
        );
        let (_, r) = read_one(
            WireType::String,
            "Required for the start-end capability. Plain words here.",
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].line, Some(7));
        let (_, r) = read_one(
            WireType::String,
            "A short *note* about [the scene](https://x.test).",
        );
        assert!(r.is_empty());
    }
}
