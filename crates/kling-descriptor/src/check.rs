//! Semantic validation of descriptors: every problem at once, each with a JSON pointer and a hint.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Pointer};
use crate::load::{Loaded, META_SCHEMA_FILE};
use crate::model::{Descriptor, Field, Items, NoteTopic, Rule, ValueType, WireType};
use crate::naming;

/// Most option combinations a descriptor may have; the checks visit each of them.
pub const MAX_COMBINATIONS: u64 = 1_000_000;

/// Checks every descriptor and the catalog as a whole (duplicate slugs, colliding module paths
/// and model ids).
pub fn check_catalog(descriptors: &[Loaded]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut slugs: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut modules: BTreeMap<String, (&str, &Path)> = BTreeMap::new();
    let mut variants: BTreeMap<String, (&str, &Path)> = BTreeMap::new();
    for loaded in descriptors {
        out.extend(check_loaded(loaded));
        let d = &loaded.descriptor;
        let slug_ptr = Pointer::root().key("slug");
        if let Some(first) = slugs.insert(&d.slug, &loaded.file) {
            out.push(
                Diagnostic::error(
                    &loaded.file,
                    slug_ptr.as_str(),
                    format!("slug `{}` is already used by {}", d.slug, first.display()),
                )
                .with_hint("every slug must be described once"),
            );
            continue;
        }
        let segments: Vec<&str> = d.slug.split('/').collect();
        let variant = naming::type_ident(&segments);
        if let Some((other, file)) = variants.insert(variant.clone(), (&d.slug, &loaded.file)) {
            out.push(
                Diagnostic::error(
                    &loaded.file,
                    slug_ptr.as_str(),
                    format!(
                        "slug `{}` and `{other}` ({}) both become the model id `{variant}`",
                        d.slug,
                        file.display()
                    ),
                )
                .with_hint("slugs must differ in more than punctuation"),
            );
        }
        let module_path = segments
            .iter()
            .map(|s| naming::module_ident(s))
            .collect::<Vec<_>>()
            .join("::");
        if let Some((other, file)) = modules.insert(module_path.clone(), (&d.slug, &loaded.file)) {
            out.push(
                Diagnostic::error(
                    &loaded.file,
                    slug_ptr.as_str(),
                    format!(
                        "slug `{}` and `{other}` ({}) both become the Rust module `{module_path}`",
                        d.slug,
                        file.display()
                    ),
                )
                .with_hint("slugs must differ in more than punctuation"),
            );
        }
    }
    out
}

/// Checks one loaded descriptor, including that its slug and `$schema` match its path.
pub fn check_loaded(loaded: &Loaded) -> Vec<Diagnostic> {
    check_descriptor(
        &loaded.file,
        Some(&loaded.relative_path),
        &loaded.descriptor,
    )
}

/// Checks one descriptor. With `relative_path` (its path under the schemas root) the slug and
/// `$schema` are checked against it too.
pub fn check_descriptor(
    file: &Path,
    relative_path: Option<&str>,
    d: &Descriptor,
) -> Vec<Diagnostic> {
    let mut c = Checker {
        file,
        out: Vec::new(),
    };
    let root = Pointer::root();
    c.identity(relative_path, d, &root);
    let mut types = BTreeMap::new();
    c.fields(&d.fields, &root.key("fields"), &[], &mut types);
    c.rules(d, &root.key("rules"));
    c.pricing(d, &root.key("pricing"));
    for (i, note) in d.notes.iter().enumerate() {
        if note.text.trim().is_empty() {
            c.error(
                &root.key("notes").index(i).key("text"),
                "the note is empty",
                "say what was decided, or remove the note",
            );
        }
    }
    c.out
}

struct Checker<'a> {
    file: &'a Path,
    out: Vec<Diagnostic>,
}

fn list<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Checker<'_> {
    fn error(&mut self, at: &Pointer, message: impl Into<String>, hint: impl Into<String>) {
        self.out
            .push(Diagnostic::error(self.file, at.as_str(), message).with_hint(hint));
    }

    fn warning(&mut self, at: &Pointer, message: impl Into<String>, hint: impl Into<String>) {
        self.out
            .push(Diagnostic::warning(self.file, at.as_str(), message).with_hint(hint));
    }

    /// A published contradiction is a warning, and must be recorded in a note.
    fn contradiction(&mut self, d: &Descriptor, at: &Pointer, message: String, topic: NoteTopic) {
        self.warning(
            at,
            message,
            "kept as published; the descriptor's notes say how it is resolved",
        );
        if !d.notes.iter().any(|n| n.topic == topic) {
            let topic = serde_json::to_value(topic)
                .map(|v| crate::model::wire_text(&v))
                .unwrap_or_default();
            self.error(
                &Pointer::root().key("notes"),
                format!("the published inconsistency at {at} is not recorded"),
                format!("add a note with topic `{topic}` saying how the descriptor resolves it"),
            );
        }
    }

    fn identity(&mut self, relative_path: Option<&str>, d: &Descriptor, root: &Pointer) {
        let segments: Vec<&str> = d.slug.split('/').collect();
        let segment_ok = |s: &&str| {
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        };
        if segments.len() != 3 || !segments.iter().all(segment_ok) {
            self.error(
                &root.key("slug"),
                format!("slug `{}` is not of the form provider/model/capability", d.slug),
                "use three lowercase segments of letters, digits, `-` and `.`, e.g. kling/kling-3.0-pro/text-to-video",
            );
        }
        if let Some(rel) = relative_path {
            let expected_slug = rel.strip_suffix(".json").unwrap_or(rel);
            if d.slug != expected_slug {
                self.error(
                    &root.key("slug"),
                    format!("slug `{}` does not match the file path `{rel}`", d.slug),
                    format!(
                        "move the file to schemas/{}.json, or correct the slug",
                        d.slug
                    ),
                );
            }
            let expected_schema = format!(
                "{}{META_SCHEMA_FILE}",
                "../".repeat(rel.matches('/').count())
            );
            if d.schema != expected_schema {
                self.error(
                    &root.key("$schema"),
                    format!("`$schema` is `{}`", d.schema),
                    format!("point it at the format's schema: \"{expected_schema}\""),
                );
            }
        }
        for (key, value) in [
            ("provider", &d.provider),
            ("model", &d.model),
            ("capability", &d.capability),
            ("summary", &d.summary),
        ] {
            if value.trim().is_empty() {
                self.error(
                    &root.key(key),
                    format!("`{key}` is empty"),
                    "fill it in from the model page",
                );
            } else if value.contains('\n') {
                self.error(
                    &root.key(key),
                    format!("`{key}` spans several lines"),
                    "keep it to one line",
                );
            }
        }
        if d.processing_time_seconds == 0 {
            self.error(
                &root.key("processing_time_seconds"),
                "processing time is 0",
                "use the typical processing time the page states, in seconds",
            );
        }
        match url::Url::parse(&d.docs_url) {
            Ok(u) if u.scheme() == "https" => {}
            _ => self.error(
                &root.key("docs_url"),
                format!("`{}` is not an https URL", d.docs_url),
                "link the model's documentation page",
            ),
        }
    }

    fn fields(
        &mut self,
        fields: &[Field],
        at: &Pointer,
        parents: &[&str],
        types: &mut BTreeMap<String, String>,
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
                self.error(
                    &p.key("name"),
                    format!("field name `{}` is not usable", field.name),
                    "wire names start with a letter and hold letters, digits, `_` or `-`",
                );
            }
            if let Some(first) = names.get(field.name.as_str()) {
                self.error(
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
            if let Some(rust_name) = &field.rust_name {
                let ok = rust_name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                    && rust_name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && rust_name != "_";
                if !ok {
                    self.error(
                        &p.key("rust_name"),
                        format!("`rust_name` `{rust_name}` is not a snake_case Rust name"),
                        "use lowercase letters, digits and `_`, starting with a letter",
                    );
                    continue;
                }
            }
            let ident = field.rust_ident();
            if let Some(other) = idents.insert(naming::bare(&ident).to_string(), &field.name) {
                self.error(
                    &p.key("name"),
                    format!(
                        "fields `{other}` and `{}` both become the Rust name `{ident}`",
                        field.name
                    ),
                    "give one of them a distinct `rust_name`",
                );
            }
            if field.description.trim().is_empty() {
                self.error(
                    &p.key("description"),
                    format!("field `{}` has no description", field.name),
                    "say in a few words what it does",
                );
            }
            self.field(field, &p, parents, types);
        }
    }

    fn claim_type(&mut self, name: String, at: &Pointer, types: &mut BTreeMap<String, String>) {
        if naming::RESERVED_TYPE_IDENTS.contains(&name.as_str()) {
            self.error(
                at,
                format!(
                    "the generated type `{name}` would clash with a type every model module defines"
                ),
                "give the field a distinct `rust_name`",
            );
        } else if let Some(first) = types.get(&name) {
            self.error(
                at,
                format!("the generated type `{name}` is also generated for {first}"),
                "give one of the fields a distinct `rust_name`",
            );
        } else {
            types.insert(name, at.to_string());
        }
    }

    fn field(
        &mut self,
        f: &Field,
        p: &Pointer,
        parents: &[&str],
        types: &mut BTreeMap<String, String>,
    ) {
        let type_name_source = f.rust_name.as_deref().unwrap_or(&f.name);
        let mut path: Vec<&str> = parents.to_vec();
        path.push(type_name_source);
        let wire = f.wire_type;
        let only = |c: &mut Self, present: bool, key: &str, allowed: &[WireType]| {
            if present && !allowed.contains(&wire) {
                c.error(
                    &p.key(key),
                    format!(
                        "`{key}` does not apply to a field of type {}",
                        wire.as_str()
                    ),
                    format!(
                        "`{key}` is for {} fields",
                        list(allowed.iter().map(|w| w.as_str()))
                    ),
                );
            }
        };
        only(
            self,
            f.value_type.is_some(),
            "value_type",
            &[WireType::String],
        );
        only(self, f.format.is_some(), "format", &[WireType::String]);
        only(
            self,
            f.options.is_some(),
            "options",
            &[WireType::String, WireType::Integer, WireType::Number],
        );
        only(
            self,
            f.max_length.is_some(),
            "max_length",
            &[WireType::String],
        );
        only(
            self,
            f.minimum.is_some(),
            "minimum",
            &[WireType::Integer, WireType::Number],
        );
        only(
            self,
            f.maximum.is_some(),
            "maximum",
            &[WireType::Integer, WireType::Number],
        );
        only(self, f.min_items.is_some(), "min_items", &[WireType::Array]);
        only(self, f.max_items.is_some(), "max_items", &[WireType::Array]);
        only(self, f.items.is_some(), "items", &[WireType::Array]);
        only(self, !f.fields.is_empty(), "fields", &[WireType::Object]);
        if let (Some(min), Some(max)) = (f.minimum, f.maximum)
            && min > max
        {
            self.error(
                &p.key("minimum"),
                format!("minimum {min} is above maximum {max}"),
                "swap or correct the bounds",
            );
        }
        if let (Some(min), Some(max)) = (f.min_items, f.max_items)
            && min > max
        {
            self.error(
                &p.key("min_items"),
                format!("min_items {min} is above max_items {max}"),
                "swap or correct the bounds",
            );
        }
        if f.max_length == Some(0) {
            self.error(
                &p.key("max_length"),
                "max_length is 0",
                "no string would be accepted; remove it or use the page's limit",
            );
        }

        if let Some(options) = &f.options {
            self.options(f, options, &p.key("options"));
            if f.value_type != Some(ValueType::Boolean) {
                self.claim_type(naming::type_ident(&path), p, types);
            }
        }
        if let Some(default) = &f.default {
            self.default(f, default, &p.key("default"));
        }
        match wire {
            WireType::Array => match &f.items {
                None => self.error(
                    p,
                    format!("array field `{}` does not say what its items are", f.name),
                    "add `items`, e.g. {\"type\": \"string\", \"format\": \"url\"}",
                ),
                Some(items) => self.items(f, items, &p.key("items"), &path, types),
            },
            WireType::Object => {
                if f.fields.is_empty() {
                    self.error(
                        p,
                        format!("object field `{}` lists no members", f.name),
                        "describe its members in `fields`",
                    );
                } else {
                    self.claim_type(naming::type_ident(&path), p, types);
                    self.fields(&f.fields, &p.key("fields"), &path, types);
                }
            }
            _ => {}
        }
    }

    fn items(
        &mut self,
        f: &Field,
        items: &Items,
        p: &Pointer,
        path: &[&str],
        types: &mut BTreeMap<String, String>,
    ) {
        match items.wire_type {
            WireType::Array => self.error(
                &p.key("type"),
                "arrays of arrays are not supported",
                "wrap the inner array in an object item",
            ),
            WireType::Object if items.fields.is_empty() => self.error(
                p,
                format!("the items of `{}` are objects but list no members", f.name),
                "describe the members in `fields`",
            ),
            WireType::Object => {
                self.claim_type(format!("{}Item", naming::type_ident(path)), p, types);
                self.fields(&items.fields, &p.key("fields"), path, types);
            }
            _ if !items.fields.is_empty() => self.error(
                &p.key("fields"),
                "`fields` only applies to object items",
                "remove it, or make the items objects",
            ),
            _ => {}
        }
        if items.format.is_some() && items.wire_type != WireType::String {
            self.error(
                &p.key("format"),
                "`format` only applies to string items",
                "remove it",
            );
        }
        if items.max_length.is_some() && items.wire_type != WireType::String {
            self.error(
                &p.key("max_length"),
                "`max_length` only applies to string items",
                "remove it",
            );
        }
    }

    fn options(&mut self, f: &Field, options: &[String], p: &Pointer) {
        if options.is_empty() {
            self.error(
                p,
                format!("`{}` has an empty list of options", f.name),
                "list the accepted values, or remove `options`",
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut variants: BTreeMap<String, &str> = BTreeMap::new();
        for (i, option) in options.iter().enumerate() {
            let op = p.index(i);
            if let Some(first) = seen.insert(option, i) {
                self.error(
                    &op,
                    format!(
                        "option `{option}` is listed twice (first at {})",
                        p.index(first)
                    ),
                    "list each option once",
                );
                continue;
            }
            if let Some(problem) = option_problem(f, option) {
                self.error(
                    &op,
                    format!("option `{option}` of `{}` {problem}", f.name),
                    "options are wire text of the field's type",
                );
            }
            if f.value_type != Some(ValueType::Boolean) {
                let variant = naming::variant_ident(&f.name, f.unit.as_deref(), option);
                if let Some(other) = variants.insert(variant.clone(), option) {
                    self.error(
                        &op,
                        format!("options `{other}` and `{option}` both become the Rust variant `{variant}`"),
                        "options of one field must differ in more than punctuation or case",
                    );
                }
            }
        }
    }

    fn default(&mut self, f: &Field, default: &Value, p: &Pointer) {
        let type_ok = match f.wire_type {
            WireType::String => default.is_string(),
            WireType::Boolean => default.is_boolean(),
            WireType::Integer => default.is_i64() || default.is_u64(),
            WireType::Number => default.is_number(),
            WireType::Array | WireType::Object => {
                self.error(
                    p,
                    "defaults of arrays and objects are not supported",
                    "remove the default and describe it in the field's description",
                );
                return;
            }
        };
        if !type_ok {
            self.error(
                p,
                format!(
                    "default {default} is not a {} (the field's wire type)",
                    f.wire_type.as_str()
                ),
                "write the default exactly as it is sent, e.g. \"5\" for a string field",
            );
            return;
        }
        let text = crate::model::wire_text(default);
        match &f.options {
            Some(options) if !options.contains(&text) => self.error(
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
                if let Some(problem) = option_problem(f, &text) {
                    self.error(
                        p,
                        format!("default `{text}` {problem}"),
                        "correct the default",
                    );
                }
            }
        }
        if let Some(n) = default.as_f64()
            && (f.minimum.is_some_and(|min| n < min) || f.maximum.is_some_and(|max| n > max))
        {
            self.error(
                p,
                format!("default {n} is outside the field's range"),
                "correct the default or the bounds",
            );
        }
        if let (Some(s), Some(max)) = (default.as_str(), f.max_length)
            && s.chars().count() > max as usize
        {
            self.error(
                p,
                format!("default is longer than max_length {max}"),
                "correct the default or the limit",
            );
        }
    }

    fn rules(&mut self, d: &Descriptor, at: &Pointer) {
        for (i, rule) in d.rules.iter().enumerate() {
            let p = at.index(i);
            match rule {
                Rule::MaxItemsWhenPresent {
                    array,
                    when_present,
                    max_items,
                } => {
                    match d.field(array) {
                        Some(f) if f.wire_type == WireType::Array => {
                            if let Some(limit) = f.max_items
                                && *max_items > limit
                            {
                                self.error(&p.key("max_items"), format!("the rule allows {max_items} items but `{array}` never takes more than {limit}"), "the rule must tighten the field's own limit");
                            }
                        }
                        Some(_) => self.error(
                            &p.key("array"),
                            format!("`{array}` is not an array field"),
                            "name an array field",
                        ),
                        None => self.error(
                            &p.key("array"),
                            format!("rule on missing field `{array}`"),
                            format!("name one of: {}", list(d.fields.iter().map(|f| &f.name))),
                        ),
                    }
                    if d.field(when_present).is_none() {
                        self.error(
                            &p.key("when_present"),
                            format!("rule on missing field `{when_present}`"),
                            format!("name one of: {}", list(d.fields.iter().map(|f| &f.name))),
                        );
                    }
                }
                Rule::ItemSumAtMost {
                    array,
                    item_field,
                    limit_field,
                } => {
                    match d.field(array).map(|f| (f, f.items.as_deref())) {
                        Some((_, Some(items))) if items.wire_type == WireType::Object => {
                            match items.fields.iter().find(|m| m.name == *item_field) {
                                Some(m) if m.is_numeric() => {}
                                Some(_) => self.error(
                                    &p.key("item_field"),
                                    format!("`{item_field}` is not numeric"),
                                    "sum a number or an integer sent as a string",
                                ),
                                None => self.error(
                                    &p.key("item_field"),
                                    format!("the items of `{array}` have no member `{item_field}`"),
                                    format!(
                                        "name one of: {}",
                                        list(items.fields.iter().map(|m| &m.name))
                                    ),
                                ),
                            }
                        }
                        Some(_) => self.error(
                            &p.key("array"),
                            format!("`{array}` is not an array of objects"),
                            "name an array whose items are objects",
                        ),
                        None => self.error(
                            &p.key("array"),
                            format!("rule on missing field `{array}`"),
                            format!("name one of: {}", list(d.fields.iter().map(|f| &f.name))),
                        ),
                    }
                    match d.field(limit_field) {
                        Some(f) if f.is_numeric() => {}
                        Some(_) => self.error(
                            &p.key("limit_field"),
                            format!("`{limit_field}` is not numeric"),
                            "bound the sum by a numeric field",
                        ),
                        None => self.error(
                            &p.key("limit_field"),
                            format!("rule on missing field `{limit_field}`"),
                            format!("name one of: {}", list(d.fields.iter().map(|f| &f.name))),
                        ),
                    }
                }
            }
        }
    }

    fn pricing(&mut self, d: &Descriptor, at: &Pointer) {
        let pricing = &d.pricing;
        let factors_ptr = at.key("factors");
        if pricing.flat && !pricing.factors.is_empty() {
            self.error(
                &factors_ptr,
                "a flat price cannot have factors",
                "remove `flat`, or remove the factors",
            );
        }
        if !pricing.flat && pricing.factors.is_empty() {
            self.error(
                at,
                "the price has no factors",
                "set \"flat\": true for a price charged once per job",
            );
        }
        if pricing.flat
            && pricing
                .base_unit_stated
                .as_deref()
                .is_some_and(|u| u.contains("second"))
        {
            self.contradiction(
                d,
                &at.key("base_unit_stated"),
                "the page states the base price per second, but its formula is flat (charged once per job)".into(),
                NoteTopic::Pricing,
            );
        }

        // Pricing parameters: values that are not sent but decide the price.
        let mut param_names = BTreeSet::new();
        for (i, param) in pricing.parameters.iter().enumerate() {
            let p = at.key("parameters").index(i);
            if d.field(&param.name).is_some() {
                self.error(
                    &p.key("name"),
                    format!(
                        "pricing parameter `{}` has the name of an input field",
                        param.name
                    ),
                    "a factor on an input field needs no parameter; remove it",
                );
            }
            if !param_names.insert(param.name.as_str()) {
                self.error(
                    &p.key("name"),
                    format!("duplicate pricing parameter `{}`", param.name),
                    "declare each parameter once",
                );
            }
            if param.options.is_empty() {
                self.error(
                    &p.key("options"),
                    "a pricing parameter needs options",
                    "list the values it can take",
                );
            }
            if !param.options.contains(&param.default) {
                self.error(
                    &p.key("default"),
                    format!(
                        "default `{}` is not one of the options ({})",
                        param.default,
                        list(&param.options)
                    ),
                    "use one of the options",
                );
            }
            if !pricing.factors.iter().any(|f| f.field == param.name) {
                self.warning(
                    &p,
                    format!("pricing parameter `{}` is used by no factor", param.name),
                    "remove it, or add its factor",
                );
            }
        }

        let mut seen = BTreeSet::new();
        for (i, factor) in pricing.factors.iter().enumerate() {
            let p = factors_ptr.index(i);
            if !seen.insert(factor.field.as_str()) {
                self.error(
                    &p.key("field"),
                    format!("`{}` is priced by two factors", factor.field),
                    "merge them into one table",
                );
                continue;
            }
            let choices = match (d.field(&factor.field), d.parameter(&factor.field)) {
                (Some(field), _) => {
                    if !field.required && field.default.is_none() {
                        self.error(
                            &p.key("field"),
                            format!("`{}` decides the price but is optional and has no default", factor.field),
                            "give the field the default the server applies, so a price can always be computed",
                        );
                    }
                    field.choices()
                }
                (None, Some(param)) => Some(param.options.clone()),
                (None, None) => {
                    self.error(
                        &p.key("field"),
                        format!("factor on missing field `{}`", factor.field),
                        format!(
                            "name one of the input fields ({}), or declare a pricing parameter for a value that is not sent",
                            list(d.fields.iter().map(|f| &f.name))
                        ),
                    );
                    continue;
                }
            };
            let Some(choices) = choices else {
                self.error(
                    &p.key("field"),
                    format!(
                        "`{}` has no options, so it cannot be priced per option",
                        factor.field
                    ),
                    "give the field its options, or price it differently",
                );
                continue;
            };
            let priced: Vec<&str> = factor.multipliers.options().collect();
            let missing: Vec<&str> = choices
                .iter()
                .map(String::as_str)
                .filter(|o| !priced.contains(o))
                .collect();
            let extra: Vec<&str> = priced
                .iter()
                .copied()
                .filter(|o| !choices.iter().any(|c| c == o))
                .collect();
            if !missing.is_empty() {
                self.error(
                    &p.key("multipliers"),
                    format!(
                        "no multiplier for option(s) {} of `{}`",
                        list(&missing),
                        factor.field
                    ),
                    format!(
                        "the multipliers must list exactly the field's options: {}",
                        list(&choices)
                    ),
                );
            }
            for option in extra {
                self.error(
                    &p.key("multipliers").key(option),
                    format!(
                        "`{option}` is not an option of `{}` ({})",
                        factor.field,
                        list(&choices)
                    ),
                    "the multipliers must list exactly the field's options",
                );
            }
        }
        self.documented(d, &at.key("documented"));
        self.combinations(d, at);
    }

    fn documented(&mut self, d: &Descriptor, at: &Pointer) {
        let doc = &d.pricing.documented;
        for (field, option) in &doc.assumes {
            let p = at.key("assumes").key(field);
            let Some(factor) = d.pricing.factors.iter().find(|f| f.field == *field) else {
                self.error(
                    &p,
                    format!("`{field}` is not a factor of the price"),
                    "only factor fields can be assumed",
                );
                continue;
            };
            if factor.multipliers.get(option).is_none() {
                self.error(
                    &p,
                    format!("`{option}` is not a priced option of `{field}`"),
                    format!("use one of: {}", list(factor.multipliers.options())),
                );
                continue;
            }
            if let Some(default) = d.factor_default(field)
                && default != *option
            {
                self.contradiction(
                    d,
                    &p,
                    format!("the page's default cost assumes {field}={option}, but `{field}` defaults to {default}"),
                    NoteTopic::Pricing,
                );
            }
        }
        match d.price_with(|field| doc.assumes.get(field).cloned()) {
            Ok(quote) if quote.total != doc.micro_cents => self.error(
                &at.key("micro_cents"),
                format!(
                    "the page documents {} micro-cents, but the descriptor computes {quote}",
                    doc.micro_cents.get()
                ),
                "check the base price, the multipliers, and the options the example assumes",
            ),
            Ok(_) => {}
            // A factor on a missing field is reported by the factor checks already.
            Err(crate::pricing::PricingError::NoChoice { field })
                if d.field(&field).is_some() || d.parameter(&field).is_some() =>
            {
                self.error(
                    &at.key("assumes"),
                    format!("the documented cost cannot be recomputed: `{field}` has no default"),
                    format!("state the option the page's example uses: \"assumes\": {{\"{field}\": \"…\"}}"),
                )
            }
            // Unpriced options and arithmetic failures are reported by the other checks.
            Err(_) => {}
        }
    }

    fn combinations(&mut self, d: &Descriptor, at: &Pointer) {
        match d.combination_count() {
            Some(n) if n <= MAX_COMBINATIONS => {}
            _ => {
                self.error(
                    &at.key("factors"),
                    format!("the factors have more than {MAX_COMBINATIONS} option combinations"),
                    "these cannot all be verified; split the model or simplify its price",
                );
                return;
            }
        }
        let mut overflow = None;
        let mut inexact = (0u64, None);
        d.for_each_combination(|combo| {
            let chosen = |field: &str| {
                combo
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, o)| o.to_string())
            };
            match d.price_with(chosen) {
                Ok(q) if !q.exact => {
                    inexact.0 += 1;
                    inexact.1.get_or_insert(q.to_string());
                }
                Ok(_) => {}
                Err(crate::pricing::PricingError::Arithmetic(_)) => {
                    overflow
                        .get_or_insert_with(|| list(combo.iter().map(|(f, o)| format!("{f}={o}"))));
                }
                Err(_) => {}
            }
        });
        if let Some(combo) = overflow {
            self.error(
                &at.key("base_micro_cents"),
                format!("the price overflows 64-bit micro-cents for {combo}"),
                "check the base price and the multipliers",
            );
        }
        if let (n, Some(example)) = inexact {
            self.error(
                &at.key("factors"),
                format!("{n} option combination(s) give a price that is not a whole number of micro-cents, e.g. {example}"),
                "prices must be exact; check the base price and the decimal multipliers",
            );
        }
    }
}

/// Why `text` cannot be a value of `f`, if it cannot.
fn option_problem(f: &Field, text: &str) -> Option<&'static str> {
    match (f.wire_type, f.value_type) {
        (WireType::String, Some(ValueType::Boolean)) if text != "true" && text != "false" => {
            Some("is neither `true` nor `false`")
        }
        (WireType::String, Some(ValueType::Integer)) | (WireType::Integer, _)
            if text.parse::<i64>().is_err() =>
        {
            Some("is not a whole number")
        }
        (WireType::Number, _) if text.parse::<f64>().map_or(true, |n| !n.is_finite()) => {
            Some("is not a number")
        }
        _ => None,
    }
}
