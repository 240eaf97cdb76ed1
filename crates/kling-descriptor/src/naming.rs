//! How descriptor names become Rust names. The code generator and descriptor validation share
//! these rules, so a descriptor whose names would collide in Rust is refused before any code
//! is generated.
//!
//! The rules, which are part of the public, stable surface of the generated code:
//! - **Modules and fields** (`snake_case`): split the name into words at every character that
//!   is not an ASCII letter or digit and at each lower-to-upper case change
//!   (`characterImages` → `character_images`, `kling-2.1-pro` → `kling_2_1_pro`). A name that
//!   starts with a digit gets the prefix `m` (modules) or `f` (fields). Rust keywords become raw
//!   identifiers (`type` → `r#type`), except those that cannot be raw (`self` → `self_`).
//! - **Types** (`UpperCamelCase`): the same words, each capitalised (`aspect_ratio` →
//!   `AspectRatio`). Types nested in an array or object field are prefixed by that field's type
//!   name (`multishot` item `duration` → `MultishotDuration`, the item struct `MultishotItem`).
//! - **Enum variants** (one per option): the option's words, each capitalised and joined, with `_`
//!   between two digit words (`std` → `Std`, `16:9` → `16_9`, `IMAGE` → `Image`). A variant that
//!   would start with a digit is prefixed by the field's unit when it has one, else by the last
//!   word of the field name (`duration` in seconds: `5` → `Seconds5`; `aspect_ratio`: `16:9` →
//!   `Ratio16_9`).

/// The name among `names` closest to `wanted`, when it is close enough to be a typo (an edit
/// distance of at most a third of its length, and at least 2 allowed): the "did you mean" of a
/// mistyped slug or field, wherever one is reported.
///
/// ```
/// use kling_descriptor::naming::nearest;
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

/// Words of a name, split at non-alphanumeric characters and lower→upper case changes.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev = None;
            continue;
        }
        let boundary = matches!(prev, Some(p) if (p.is_ascii_lowercase() || p.is_ascii_digit()) && c.is_ascii_uppercase());
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
        prev = Some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalise(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

const STRICT_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

fn snake(name: &str, digit_prefix: &str) -> String {
    let joined = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{digit_prefix}{joined}")
    } else {
        joined
    }
}

/// Turns a keyword into something usable as an identifier.
fn escape_keyword(ident: String) -> String {
    if NON_RAW_KEYWORDS.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if STRICT_KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// The module name of one slug segment (`kling-2.1-master` → `kling_2_1_master`).
///
/// ```
/// assert_eq!(kling_descriptor::naming::module_ident("kling-o3-standard"), "kling_o3_standard");
/// assert_eq!(kling_descriptor::naming::module_ident("3d-models"), "m3d_models");
/// ```
pub fn module_ident(segment: &str) -> String {
    escape_keyword(snake(segment, "m"))
}

/// The Rust field (and builder method) name of a wire name (`characterImages` → `character_images`).
///
/// ```
/// use kling_descriptor::naming::field_ident;
/// assert_eq!(field_ident("characterImages"), "character_images");
/// assert_eq!(field_ident("type"), "r#type");
/// ```
pub fn field_ident(name: &str) -> String {
    escape_keyword(snake(name, "f"))
}

/// The `UpperCamelCase` type name of a field, nested under its parents' type names.
///
/// ```
/// use kling_descriptor::naming::type_ident;
/// assert_eq!(type_ident(&["aspect_ratio"]), "AspectRatio");
/// assert_eq!(type_ident(&["multishot", "duration"]), "MultishotDuration");
/// ```
pub fn type_ident(path: &[&str]) -> String {
    let ident: String = path
        .iter()
        .flat_map(|segment| words(segment))
        .map(|w| capitalise(&w))
        .collect();
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{ident}")
    } else {
        ident
    }
}

/// Type names every generated model module already uses; a field type must not take them.
pub const RESERVED_TYPE_IDENTS: &[&str] = &["Input", "InputBuilder", "Model", "Cost", "Violation"];

/// The enum variant of one option of a field.
///
/// ```
/// use kling_descriptor::naming::variant_ident;
/// assert_eq!(variant_ident("quality", None, "std"), "Std");
/// assert_eq!(variant_ident("aspect_ratio", None, "16:9"), "Ratio16_9");
/// assert_eq!(variant_ident("duration", Some("seconds"), "5"), "Seconds5");
/// assert_eq!(variant_ident("type", None, "IMAGE"), "Image");
/// ```
pub fn variant_ident(field: &str, unit: Option<&str>, option: &str) -> String {
    let mut ident = String::new();
    let mut last_was_digit = false;
    for word in words(option) {
        let starts_digit = word.starts_with(|c: char| c.is_ascii_digit());
        if last_was_digit && starts_digit {
            ident.push('_');
        }
        last_was_digit = word.ends_with(|c: char| c.is_ascii_digit());
        ident.push_str(&capitalise(&word));
    }
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        let prefix_words = match unit {
            Some(unit) => words(unit),
            None => words(field).into_iter().last().into_iter().collect(),
        };
        let prefix: String = prefix_words.iter().map(|w| capitalise(w)).collect();
        let prefix = if prefix.is_empty() || prefix.starts_with(|c: char| c.is_ascii_digit()) {
            format!("V{prefix}")
        } else {
            prefix
        };
        ident = format!("{prefix}{ident}");
    }
    if ident == "Self" {
        "Self_".into()
    } else {
        ident
    }
}

/// The bare form of an identifier, for collision checks (`r#type` → `type`).
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_close_names_are_suggested() {
        let fields = ["duration", "prompt", "has_sound"];
        assert_eq!(nearest("durtion", fields), Some("duration"));
        assert_eq!(nearest("sound", fields), None);
        assert_eq!(nearest("x", ["y", "zz"]), Some("y"));
    }

    #[test]
    fn words_split_on_separators_and_case_changes() {
        assert_eq!(words("characterImages"), ["character", "Images"]);
        assert_eq!(words("kling-2.1-master"), ["kling", "2", "1", "master"]);
        assert_eq!(words("has_sound"), ["has", "sound"]);
        assert_eq!(words("v2Pro"), ["v2", "Pro"]);
        assert_eq!(words("IMAGE"), ["IMAGE"]);
        assert!(words("--").is_empty());
    }

    #[test]
    fn identifiers_follow_the_documented_rules() {
        assert_eq!(module_ident("kling-2.1-master"), "kling_2_1_master");
        assert_eq!(module_ident("self"), "self_");
        assert_eq!(field_ident("2pass"), "f2pass");
        assert_eq!(field_ident("keep_original_sound"), "keep_original_sound");
        assert_eq!(type_ident(&["elements", "type"]), "ElementsType");
        assert_eq!(type_ident(&["3d"]), "T3d");
        assert_eq!(variant_ident("shot_type", None, "customize"), "Customize");
        assert_eq!(
            variant_ident("duration", Some("seconds"), "15"),
            "Seconds15"
        );
        assert_eq!(variant_ident("fps", None, "24"), "Fps24");
        assert_eq!(variant_ident("x", None, "1.5x"), "X1_5x");
        assert_eq!(variant_ident("mode", None, ""), "Mode");
    }
}
