//! A model's input as the command line gives it: an optional JSON file (or stdin) overridden by
//! `field=value` arguments.

use std::io::Read;

use kling::AnyInput;
use kling_cli::fields;
use kling_descriptor::Descriptor;
use serde_json::Value;

use crate::catalog;
use crate::cli::InputArgs;
use crate::fail::Fail;

/// Builds and checks an input: descriptor checks for the messages (each names its field), then
/// the generated types, so both implementations see every CLI input.
pub fn typed(args: &InputArgs) -> Result<(Descriptor, AnyInput), Fail> {
    let d = catalog::descriptor(&args.slug)?;
    let base = args.input.as_deref().map(read_file).transpose()?;
    let json = fields::build_input(&d, base, &args.fields).map_err(|problems| {
        Fail::Usage(format!(
            "invalid input for {}; nothing was sent:\n  {}",
            d.slug,
            problems.join("\n  ")
        ))
    })?;
    let typed = catalog::model_id(&d)?.validate_json(json).map_err(|e| {
        Fail::Usage(format!(
            "invalid input for {}; nothing was sent: {e}",
            d.slug
        ))
    })?;
    Ok((d, typed))
}

/// Builds an input for an unchecked submit: values take the wire types of the model's fields
/// when the model is known, and nothing is validated (the server is the judge).
pub fn unchecked(args: &InputArgs) -> Result<Value, Fail> {
    let catalog = catalog::all()?;
    let base = args.input.as_deref().map(read_file).transpose()?;
    fields::build_unchecked_input(catalog.get(&args.slug), base, &args.fields).map_err(|problems| {
        Fail::Usage(format!(
            "cannot read the input for {}; nothing was sent:\n  {}",
            args.slug,
            problems.join("\n  ")
        ))
    })
}

/// Reads a JSON input from a file, or from stdin for `-`.
fn read_file(spec: &str) -> Result<Value, Fail> {
    let text = if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Fail::Usage(format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(spec)
            .map_err(|e| Fail::Usage(format!("cannot read {spec}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| Fail::Usage(format!("{spec} is not JSON: {e}")))
}
