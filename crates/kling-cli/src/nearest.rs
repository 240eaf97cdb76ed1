//! "Did you mean …?": the known name closest to a mistyped one.

/// The name among `names` closest to `wanted`, when it is close enough to be a typo (an edit
/// distance of at most a third of its length, and at least 2 allowed).
///
/// ```
/// use kling_cli::nearest::nearest;
/// let slugs = ["kling/a/text-to-video", "kling/a/image-to-video"];
/// assert_eq!(nearest("kling/a/text-to-vide", slugs), Some("kling/a/text-to-video"));
/// assert_eq!(nearest("something else", slugs), None);
/// ```
pub fn nearest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|n| (strsim::levenshtein(wanted, n), n))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2))
        .min()
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn only_close_names_are_suggested() {
        let fields = ["duration", "prompt", "has_sound"];
        assert_eq!(nearest("durtion", fields), Some("duration"));
        assert_eq!(nearest("sound", fields), None);
        assert_eq!(nearest("x", ["y", "zz"]), Some("y"));
    }
}
