//! Plain text out of page markup: line endings, inline Markdown (emphasis, links), HTML entities,
//! code spans, amounts with thousands separators, slugs.

/// The text with `\r\n` and lone `\r` turned into `\n`, and without a byte-order mark.
pub fn normalize(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}

/// Inline Markdown made plain, outside code spans: `**bold**`, `*italics*` and `_italics_` lose
/// their marks, `[text](url)` becomes `text`, HTML entities are decoded. Code spans are kept with
/// their backticks (options are written in them).
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                // A code span runs to the next backtick; an unmatched one is literal.
                let end = chars[i + 1..].iter().position(|&d| d == '`');
                match end {
                    Some(len) => {
                        out.extend(&chars[i..=i + 1 + len]);
                        i += len + 2;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '*' => i += 1,
            '_' if is_emphasis_underscore(&chars, i) => i += 1,
            '!' if chars.get(i + 1) == Some(&'[') => i += 1,
            '[' => match link(&chars, i) {
                Some((label, next)) => {
                    out.push_str(&inline(&label));
                    i = next;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            '&' => match entity(&chars, i) {
                Some((decoded, next)) => {
                    out.push(decoded);
                    i = next;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// An underscore that opens or closes emphasis, not one inside a name like `has_sound`.
fn is_emphasis_underscore(chars: &[char], i: usize) -> bool {
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    let before = i.checked_sub(1).and_then(|j| chars.get(j));
    let after = chars.get(i + 1);
    word(before) != word(after)
}

/// `[label](url)` at `i`: the label and the index after the closing parenthesis.
fn link(chars: &[char], i: usize) -> Option<(String, usize)> {
    // Labels and addresses are short; a bounded search keeps long lines of brackets linear.
    let close = i + 1 + chars[i + 1..].iter().take(300).position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close
        + 2
        + chars[close + 2..]
            .iter()
            .take(2000)
            .position(|&c| c == ')')?;
    Some((chars[i + 1..close].iter().collect(), end + 1))
}

/// An HTML entity at `i` (`&lt;`, `&#8212;`, `&#x2264;`): the character and the index after `;`.
fn entity(chars: &[char], i: usize) -> Option<(char, usize)> {
    let len = chars[i + 1..].iter().take(10).position(|&c| c == ';')?;
    let name: String = chars[i + 1..i + 1 + len].iter().collect();
    let decoded = match name.as_str() {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "mdash" => '—',
        "ndash" => '–',
        "times" => '×',
        "le" => '≤',
        "ge" => '≥',
        "hellip" => '…',
        "lsquo" | "rsquo" => '\'',
        "ldquo" | "rdquo" => '"',
        _ => {
            let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => name.strip_prefix('#')?.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((decoded, i + len + 2))
}

/// The contents of every code span, in order.
pub fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(len) = after.find('`') else { break };
        spans.push(after[..len].trim().to_string());
        rest = &after[len + 1..];
    }
    spans
}

/// The text without backticks.
pub fn plain(text: &str) -> String {
    text.replace('`', "")
}

/// The first amount in `text`, thousands separators allowed (`84,000` → 84000), with the rest of
/// the text after it.
pub fn amount(text: &str) -> Option<(u64, &str)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let body = &text[start..];
    let len = body
        .find(|c: char| !(c.is_ascii_digit() || c == ','))
        .unwrap_or(body.len());
    let number = body[..len].trim_end_matches(',');
    let value = number.replace(',', "").parse().ok()?;
    Some((value, &body[number.len()..]))
}

/// The first slug-looking token (`provider/model/capability`).
pub fn find_slug(text: &str) -> Option<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '`' | '"' | '\'' | '(' | ')' | ',' | '<' | '>' | '=')
    })
    .map(|t| t.trim_end_matches(['.', ':']))
    .find(|t| is_slug(t))
    .map(str::to_owned)
}

/// Three lowercase segments of letters, digits, `-` and `.`.
pub fn is_slug(text: &str) -> bool {
    let parts: Vec<&str> = text.split('/').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        })
        && !text.contains("..")
}

/// A label as a field name: `Has Sound` → `has_sound`.
pub fn snake(label: &str) -> String {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// At most `max` characters of `text`, with `…` when cut (for quoting a page in a review item).
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup_becomes_plain_text() {
        assert_eq!(
            inline("**Base Cost** is *low*; see [the guide](https://x.test/a_b) &amp; `a_b`"),
            "Base Cost is low; see the guide & `a_b`"
        );
        assert_eq!(
            inline("_so_ has_sound &lt;4 &#8804;7 &#x2265;1 &bogus;"),
            "so has_sound <4 ≤7 ≥1 &bogus;"
        );
        assert_eq!(
            inline("`**kept**` and ` unmatched"),
            "`**kept**` and ` unmatched"
        );
    }

    #[test]
    fn amounts_slugs_and_labels() {
        assert_eq!(amount("~84,000 micro-cents").map(|(n, _)| n), Some(84_000));
        assert_eq!(amount("costs 1,250."), Some((1_250, ".")));
        assert_eq!(amount("99999999999999999999999"), None);
        assert_eq!(
            find_slug("Use kling-plus/kling-o3-standard/video-edit for video edit."),
            Some("kling-plus/kling-o3-standard/video-edit".into())
        );
        assert_eq!(find_slug("default=\"a/b/c\""), Some("a/b/c".into()));
        assert!(!is_slug("a/../c") && !is_slug("A/b/c") && !is_slug("a/b"));
        assert_eq!(snake("Has Sound"), "has_sound");
        assert_eq!(code_spans("Options: `16:9`, ` 9:16 `."), ["16:9", "9:16"]);
        assert_eq!(normalize("\u{feff}a\r\nb\rc"), "a\nb\nc");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
