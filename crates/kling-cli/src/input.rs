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
    let json = fields::build_input(&d, base, &args.fields)
        .map_err(|problems| refused(&d.slug, "invalid input", &problems))?;
    let typed = catalog::model_id(&d)?.validate_json(json).map_err(|e| {
        Fail::invalid_input(
            format!("invalid input for {}; nothing was sent: {e}", d.slug),
            None,
        )
    })?;
    Ok((d, typed))
}

/// Builds an input for an unchecked submit: values take the wire types of the model's fields
/// when the model is known, and nothing is validated (the server is the judge).
pub fn unchecked(args: &InputArgs) -> Result<Value, Fail> {
    let catalog = catalog::all()?;
    let base = args.input.as_deref().map(read_file).transpose()?;
    fields::build_unchecked_input(catalog.get(&args.slug), base, &args.fields)
        .map_err(|problems| refused(&args.slug, "cannot read the input", &problems))
}

/// The failure for arguments that do not make an input: every problem, and the first field named.
fn refused(slug: &str, what: &str, problems: &[fields::Problem]) -> Fail {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Fail::invalid_input(
        format!(
            "{what} for {slug}; nothing was sent:\n  {}",
            list.join("\n  ")
        ),
        problems.iter().find_map(|p| p.field.clone()),
    )
}

/// Reads a JSON input from a file, or from stdin for `-`.
fn read_file(spec: &str) -> Result<Value, Fail> {
    let text = if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Fail::usage(format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(spec)
            .map_err(|e| Fail::usage(format!("cannot read {spec}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| Fail::usage(format!("{spec} is not JSON: {e}")))
}
