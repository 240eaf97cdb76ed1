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
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Fail::invalid_input(
            format!(
                "invalid input for {}; nothing was sent:\n  {}",
                d.slug,
                list.join("\n  ")
            ),
            problems.iter().find_map(|p| p.field.clone()),
        )
    })?;
    let typed = catalog::model_id(&d)?.validate_json(json).map_err(|e| {
        Fail::invalid_input(
            format!("invalid input for {}; nothing was sent: {e}", d.slug),
            None,
        )
    })?;
    Ok((d, typed))
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
