//! A model's input as the command line gives it: an optional JSON file (or stdin) overridden by
//! `field=value` arguments, with `@path` local files as placeholders until they are uploaded.

use std::io::Read;

use kling::AnyInput;
use kling::client::LocalFiles;
use kling_cli::fields;
use kling_descriptor::Descriptor;
use serde_json::Value;

use crate::catalog;
use crate::cli::InputArgs;
use crate::fail::Fail;
use crate::local_inputs;

/// Builds and checks an input: descriptor checks for the messages (each names its field), then
/// the generated types, so both implementations see every CLI input.
pub fn typed(args: &InputArgs) -> Result<(Descriptor, AnyInput), Fail> {
    with_files(args).map(|(d, typed, _)| (d, typed))
}

/// [`typed`], with the local files of `@path` values standing in the input as placeholder URLs
/// (read nothing yet: check them before sending anything).
pub fn with_files(args: &InputArgs) -> Result<(Descriptor, AnyInput, LocalFiles), Fail> {
    let d = catalog::descriptor(&args.slug)?;
    let mut base = args.input.as_deref().map(read_file).transpose()?;
    let mut files = LocalFiles::new();
    let arguments = local_inputs::substitute(&d, base.as_mut(), &args.fields, &mut files);
    let json = fields::build_input(&d, base, &arguments)
        .map_err(|problems| refused(&d.slug, "invalid input", &problems))?;
    let typed = catalog::model_id(&d)?.validate_json(json).map_err(|e| {
        Fail::invalid_input(
            format!("invalid input for {}; nothing was sent: {e}", d.slug),
            None,
        )
    })?;
    Ok((d, typed, files))
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
