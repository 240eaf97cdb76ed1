//! The models the command knows: the catalog embedded in the sandbox, and slug lookup with a
//! suggestion for a near miss.

use std::collections::BTreeMap;

use kling::ModelId;
use kling_descriptor::Descriptor;
use kling_descriptor::naming::nearest;

use crate::fail::Fail;

/// Every model's descriptor, by slug.
pub fn all() -> Result<BTreeMap<String, Descriptor>, Fail> {
    kling_sandbox::embedded_catalog().map_err(|e| Fail::other("internal", e.to_string()))
}

/// One model's descriptor; an unknown slug is a usage error naming the nearest known one.
pub fn descriptor(slug: &str) -> Result<Descriptor, Fail> {
    let mut all = all()?;
    if let Some(d) = all.remove(slug) {
        return Ok(d);
    }
    let hint = match nearest(slug, all.keys().map(String::as_str)) {
        Some(n) => format!("did you mean `{n}`?"),
        None => "`kling models` lists them".to_string(),
    };
    Err(Fail::usage(format!("unknown model `{slug}`; {hint}")).with_code("unknown_model"))
}

/// The compiled-in model of a descriptor.
pub fn model_id(d: &Descriptor) -> Result<ModelId, Fail> {
    d.slug
        .parse()
        .map_err(|e: kling::UnknownModel| Fail::usage(e.to_string()).with_code("unknown_model"))
}

/// Every slug, with its summary, for shell completions.
pub fn slug_candidates() -> Vec<clap::builder::PossibleValue> {
    ModelId::ALL
        .iter()
        .map(|id| clap::builder::PossibleValue::new(id.slug()).help(id.info().summary))
        .collect()
}

/// `name=` for every field of every model, and `name=option` for each option, for shell
/// completions (a static script cannot know which model was typed before).
pub fn field_candidates() -> Vec<clap::builder::PossibleValue> {
    let mut words = std::collections::BTreeSet::new();
    for d in all().unwrap_or_default().values() {
        for f in &d.fields {
            words.insert(format!("{}=", f.name));
            for option in f
                .shape()
                .ok()
                .and_then(|s| s.choices())
                .into_iter()
                .flatten()
            {
                words.insert(format!("{}={option}", f.name));
            }
        }
    }
    words
        .into_iter()
        .map(clap::builder::PossibleValue::new)
        .collect()
}
