//! Fields: names and the Rust names they become, shapes, bounds, options and defaults.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Checker, list};
use crate::diagnostics::{Code, Pointer};
use crate::model::{Field, wire_text};
use crate::naming;
use crate::shape::{self, Shape};

/// Generated type names so far, with where each was claimed.
type Types = BTreeMap<String, String>;

impl Checker<'_> {
    pub(super) fn fields(
        &mut self,
        fields: &[Field],
        at: &Pointer,
        parents: &[&str],
        types: &mut Types,
    ) {
        let mut names: BTreeMap<&str, Pointer> = BTreeMap::new();
        let mut idents: BTreeMap<String, &str> = BTreeMap::new();
        for (i, field) in fields.iter().enumerate() {
            let p = at.index(i);
            let name_ok = field.name.starts_with(|c: char| c.is_ascii_alphabetic())
                && field
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !name_ok {
                self.report(
                    Code::BadFieldName,
                    &p.key("name"),
                    format!("field name `{}` is not usable", field.name),
                    "wire names start with a letter and hold letters, digits, `_` or `-`",
                );
            }
            if let Some(first) = names.get(field.name.as_str()) {
                self.report(
                    Code::DuplicateField,
                    &p.key("name"),
                    format!(
                        "duplicate field `{}` (first defined at {first})",
                        field.name
                    ),
                    "describe each field once",
                );
                continue;
            }
            names.insert(&field.name, p.clone());
            if !self.rust_name(field, &p) {
                continue;
            }
            let ident = field.rust_ident();
            if let Some(other) = idents.insert(naming::bare(&ident).to_string(), &field.name) {
                self.report(
                    Code::NameCollision,
                    &p.key("name"),
                    format!(
                        "fields `{other}` and `{}` both become the Rust name `{ident}`",
                        field.name
                    ),
                    "give one of them a distinct `rust_name`",
                );
            }
            if field.description.trim().is_empty() {
                self.report(
                    Code::MissingText,
                    &p.key("description"),
                    format!("field `{}` has no description", field.name),
                    "say in a few words what it does",
                );
            }
            self.field(field, &p, parents, types);
        }
    }

    /// Whether the field's `rust_name`, if any, is usable.
    fn rust_name(&mut self, field: &Field, p: &Pointer) -> bool {
        let Some(rust_name) = &field.rust_name else {
            return true;
        };
        let ok = rust_name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && rust_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && rust_name != "_";
        if !ok {
            self.report(
                Code::BadRustName,
                &p.key("rust_name"),
                format!("`rust_name` `{rust_name}` is not a snake_case Rust name"),
                "use lowercase letters, digits and `_`, starting with a letter",
            );
        }
        ok
    }

    fn claim_type(&mut self, name: String, at: &Pointer, types: &mut Types) {
        if naming::RESERVED_TYPE_IDENTS.contains(&name.as_str()) {
            self.report(
                Code::NameCollision,
                at,
                format!(
                    "the generated type `{name}` would clash with a type every model module defines"
                ),
                "give the field a distinct `rust_name`",
            );
        } else if let Some(first) = types.get(&name) {
            self.report(
                Code::NameCollision,
                at,
                format!("the generated type `{name}` is also generated for {first}"),
                "give one of the fields a distinct `rust_name`",
            );
        } else {
            types.insert(name, at.to_string());
        }
    }

    fn field(&mut self, f: &Field, p: &Pointer, parents: &[&str], types: &mut Types) {
        let mut path: Vec<&str> = parents.to_vec();
        path.push(f.rust_name.as_deref().unwrap_or(&f.name));
        let (shape, problems) = shape::resolve(f);
        for problem in problems {
            self.report(
                problem.code,
                &p.join(&problem.at),
                problem.message,
                problem.hint,
            );
        }
        self.limits(f, p);
        if let Some(options) = &f.options {
            self.options(f, shape.as_ref(), options, &p.key("options"));
        }
        match &shape {
            Some(Shape::TextOption(_) | Shape::IntOption { .. }) => {
                self.claim_type(naming::type_ident(&path), p, types);
            }
            Some(Shape::Object(members)) => {
                self.claim_type(naming::type_ident(&path), p, types);
                self.fields(members, &p.key("fields"), &path, types);
            }
            Some(Shape::Array { item, .. }) => {
                if let Shape::Object(members) = item.as_ref() {
                    let items = p.key("items");
                    self.claim_type(format!("{}Item", naming::type_ident(&path)), &items, types);
                    self.fields(members, &items.key("fields"), &path, types);
                }
            }
            _ => {}
        }
        if let (Some(default), Some(shape)) = (&f.default, &shape) {
            self.default(f, shape, default, &p.key("default"));
        }
    }

    /// Bounds that would accept nothing.
    fn limits(&mut self, f: &Field, p: &Pointer) {
        if let (Some(min), Some(max)) = (f.minimum, f.maximum)
            && min > max
        {
            self.report(
                Code::InvertedBounds,
                &p.key("minimum"),
                format!("minimum {min} is above maximum {max}"),
                "swap or correct the bounds",
            );
        }
        if let (Some(min), Some(max)) = (f.min_items, f.max_items)
            && min > max
        {
            self.report(
                Code::InvertedBounds,
                &p.key("min_items"),
                format!("min_items {min} is above max_items {max}"),
                "swap or correct the bounds",
            );
        }
        if f.max_length == Some(0) {
            self.report(
                Code::ZeroMaxLength,
                &p.key("max_length"),
                "max_length is 0",
                "no string would be accepted; remove it or use the page's limit",
            );
        }
    }

    /// Options listed once, each a distinct Rust variant when they become an enum.
    fn options(&mut self, f: &Field, shape: Option<&Shape<'_>>, options: &[String], p: &Pointer) {
        let variants_needed = matches!(shape, Some(Shape::TextOption(_) | Shape::IntOption { .. }));
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut variants: BTreeMap<String, &str> = BTreeMap::new();
        for (i, option) in options.iter().enumerate() {
            let op = p.index(i);
            if let Some(first) = seen.insert(option, i) {
                self.report(
                    Code::DuplicateOption,
                    &op,
                    format!(
                        "option `{option}` is listed twice (first at {})",
                        p.index(first)
                    ),
                    "list each option once",
                );
                continue;
            }
            if variants_needed {
                let variant = naming::variant_ident(&f.name, f.unit.as_deref(), option);
                if let Some(other) = variants.insert(variant.clone(), option) {
                    self.report(
                        Code::NameCollision,
                        &op,
                        format!("options `{other}` and `{option}` both become the Rust variant `{variant}`"),
                        "options of one field must differ in more than punctuation or case",
                    );
                }
            }
        }
    }

    fn default(&mut self, f: &Field, shape: &Shape<'_>, default: &Value, p: &Pointer) {
        let wire = shape.wire_type();
        let type_ok = match shape {
            Shape::Array { .. } | Shape::Object(_) => {
                self.report(
                    Code::UnsupportedDefault,
                    p,
                    "defaults of arrays and objects are not supported",
                    "remove the default and describe it in the field's description",
                );
                return;
            }
            Shape::Bool => default.is_boolean(),
            Shape::Int(_) | Shape::IntOption { as_text: false, .. } => {
                default.is_i64() || default.is_u64()
            }
            Shape::Number { .. } => default.is_number(),
            _ => default.is_string(),
        };
        if !type_ok {
            self.report(
                Code::DefaultWrongType,
                p,
                format!(
                    "default {default} is not a {} (the field's wire type)",
                    wire.as_str()
                ),
                "write the default exactly as it is sent, e.g. \"5\" for a string field",
            );
            return;
        }
        let text = wire_text(default);
        match shape.options() {
            Some(options) if !options.contains(&text) => self.report(
                Code::DefaultNotAnOption,
                p,
                format!(
                    "default `{text}` is not one of the options of `{}` ({})",
                    f.name,
                    list(options)
                ),
                "use one of the options, or correct the options",
            ),
            Some(_) => {}
            None => {
                if let Some(problem) = shape.text_problem(&text) {
                    self.report(
                        Code::BadDefault,
                        p,
                        format!("default `{text}` {problem}"),
                        "correct the default",
                    );
                }
            }
        }
        self.default_in_range(f, default, p);
    }

    fn default_in_range(&mut self, f: &Field, default: &Value, p: &Pointer) {
        if let Some(n) = default.as_f64()
            && (f.minimum.is_some_and(|min| n < min) || f.maximum.is_some_and(|max| n > max))
        {
            self.report(
                Code::DefaultOutOfRange,
                p,
                format!("default {n} is outside the field's range"),
                "correct the default or the bounds",
            );
        }
        if let (Some(s), Some(max)) = (default.as_str(), f.max_length)
            && s.chars().count() > max as usize
        {
            self.report(
                Code::DefaultOutOfRange,
                p,
                format!("default is longer than max_length {max}"),
                "correct the default or the limit",
            );
        }
    }
}
