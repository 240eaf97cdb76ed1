//! The models the command knows: the catalog embedded in the sandbox, and slug lookup with a
//! suggestion for a near miss.

use std::collections::BTreeMap;

use kling::ModelId;
use kling_cli::fields;
use kling_descriptor::Descriptor;

use crate::fail::Fail;

/// Every model's descriptor, by slug.
pub fn all() -> Result<BTreeMap<String, Descriptor>, Fail> {
    kling_sandbox::embedded_catalog().map_err(|e| Fail::Other(e.to_string()))
}

/// One model's descriptor; an unknown slug is a usage error naming the nearest known one.
pub fn descriptor(slug: &str) -> Result<Descriptor, Fail> {
    let mut all = all()?;
    if let Some(d) = all.remove(slug) {
        return Ok(d);
    }
    let hint = match fields::nearest(slug, all.keys().map(String::as_str)) {
        Some(n) => format!("did you mean `{n}`?"),
        None => "`kling models` lists them".to_string(),
    };
    Err(Fail::Usage(format!("unknown model `{slug}`; {hint}")))
}

/// The compiled-in model of a descriptor.
pub fn model_id(d: &Descriptor) -> Result<ModelId, Fail> {
    d.slug
        .parse()
        .map_err(|e: kling::UnknownModel| Fail::Usage(e.to_string()))
}
