//! The checks generated `validate()` methods call. Small, and independent of
//! `kling_descriptor::input` (which interprets descriptors at run time) in what they decide, so
//! the two implementations can be tested against each other; the words of every violation come
//! from `Violation`'s constructors, shared by both.

use crate::Violation;

/// Where a value sits in the input: a JSON pointer built without allocating until a violation
/// needs it.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    /// The input itself.
    Root,
    /// A member of an object.
    Key(&'a At<'a>, &'static str),
    /// An item of an array.
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    /// The JSON pointer (wire names never contain `~` or `/`, so nothing needs escaping).
    pub fn render(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => format!("{}/{key}", parent.render()),
            At::Index(parent, i) => format!("{}/{i}", parent.render()),
        }
    }
}

/// A string of at most `max` characters.
#[inline]
pub fn max_length(value: &str, max: usize, at: &At<'_>, out: &mut Vec<Violation>) {
    // Bytes bound characters from above: only count when it can matter.
    if value.len() > max {
        let len = value.chars().count();
        if len > max {
            out.push(Violation::too_long(at.render(), len, max));
        }
    }
}

/// An absolute http(s) URL.
pub fn url(value: &str, at: &At<'_>, out: &mut Vec<Violation>) {
    if !kling_descriptor::input::is_http_url(value) {
        out.push(Violation::invalid_url(at.render()));
    }
}

/// An item count within bounds.
#[inline]
pub fn items(
    len: usize,
    min: Option<usize>,
    max: Option<usize>,
    at: &At<'_>,
    out: &mut Vec<Violation>,
) {
    if let Some(max) = max
        && len > max
    {
        out.push(Violation::too_many_items(at.render(), len, max));
    }
    if let Some(min) = min
        && len < min
    {
        out.push(Violation::too_few_items(at.render(), len, min));
    }
}

/// A number within inclusive bounds (and not NaN).
#[inline]
pub fn range(
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
    at: &At<'_>,
    out: &mut Vec<Violation>,
) {
    let below = min.is_some_and(|min| value.is_nan() || value < min);
    let above = max.is_some_and(|max| value.is_nan() || value > max);
    if below || above {
        out.push(Violation::out_of_range(at.render(), value, min, max));
    }
}

/// A value among a closed set that the Rust type does not capture.
pub fn one_of<T: PartialEq + std::fmt::Display>(
    value: T,
    options: &[T],
    at: &At<'_>,
    out: &mut Vec<Violation>,
) {
    if !options.contains(&value) {
        out.push(Violation::not_an_option(at.render(), value, options));
    }
}

/// Whether any violation recorded so far sits at or under one of these top-level fields.
pub fn touched(out: &[Violation], fields: &[&str]) -> bool {
    out.iter().any(|v| {
        fields.iter().any(|f| {
            v.path
                .strip_prefix('/')
                .and_then(|rest| rest.strip_prefix(f))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    })
}

/// The rule `max_items_when_present`.
pub fn max_items_when_present(
    len: usize,
    present: bool,
    max: usize,
    at: &At<'_>,
    when_present: &str,
    out: &mut Vec<Violation>,
) {
    if present && len > max {
        out.push(Violation::max_items_when_present(
            at.render(),
            len,
            max,
            when_present,
        ));
    }
}

/// The rule `item_sum_at_most`.
pub fn item_sum_at_most(
    sum: f64,
    limit: f64,
    at: &At<'_>,
    item_field: &str,
    limit_field: &str,
    out: &mut Vec<Violation>,
) {
    if sum > limit {
        out.push(Violation::item_sum_above_limit(
            at.render(),
            sum,
            limit,
            item_field,
            limit_field,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ViolationCode;

    #[test]
    fn paths_render_as_json_pointers() {
        let root = At::Root;
        let shots = At::Key(&root, "multishot");
        let second = At::Index(&shots, 1);
        let prompt = At::Key(&second, "prompt");
        assert_eq!(prompt.render(), "/multishot/1/prompt");
        assert_eq!(root.render(), "");
    }

    #[test]
    fn touched_matches_whole_names_only() {
        let v = |path: &str| Violation::too_long(path, 2, 1);
        assert!(touched(&[v("/images/2")], &["images"]));
        assert!(touched(&[v("/images")], &["images"]));
        assert!(!touched(&[v("/images_extra")], &["images"]));
    }

    #[test]
    fn checks_report_with_codes() {
        let mut out = Vec::new();
        let root = At::Root;
        let at = At::Key(&root, "x");
        max_length("ééé", 3, &at, &mut out);
        assert!(out.is_empty());
        max_length("éééé", 3, &at, &mut out);
        range(f64::NAN, Some(0.0), Some(1.0), &at, &mut out);
        items(5, None, Some(4), &at, &mut out);
        url("ftp://x", &at, &mut out);
        let codes: Vec<_> = out.iter().map(|v| v.code).collect();
        assert_eq!(
            codes,
            [
                ViolationCode::TooLong,
                ViolationCode::OutOfRange,
                ViolationCode::TooManyItems,
                ViolationCode::InvalidUrl
            ]
        );
        assert_eq!(out[0].message, "4 characters, at most 3 allowed");
    }
}
