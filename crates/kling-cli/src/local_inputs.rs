//! `@path` values: local files given where a model takes a URL (`image_url=@./cat.png`, an
//! `@path` item of a list field, `"@./cat.png"` strings in an `--input` file). Each becomes a
//! placeholder URL of a [`LocalFiles`] set before the input is read and checked, so validation
//! and pricing see a valid URL and nothing is uploaded for an input that would be refused; the
//! files are uploaded just before the submit. Only URL positions are read this way: a prompt
//! that starts with `@` stays text.

use kling::client::LocalFiles;
use kling_descriptor::Descriptor;
use kling_descriptor::model::{Field, Format, Items, WireType};
use serde_json::{Map, Value};

/// Puts placeholders of `files` in place of the `@path` values at URL positions of `base` and
/// of the `field=value` arguments, and returns the arguments to read.
pub fn substitute(
    d: &Descriptor,
    base: Option<&mut Value>,
    args: &[String],
    files: &mut LocalFiles,
) -> Vec<String> {
    if let Some(Value::Object(members)) = base {
        in_members(&d.fields, members, files);
    }
    args.iter()
        .map(|arg| {
            let Some((name, text)) = arg.split_once('=') else {
                return arg.clone();
            };
            match d.field(name) {
                Some(field) => format!("{name}={}", in_argument(field, text, files)),
                None => arg.clone(),
            }
        })
        .collect()
}

/// One argument's value: `@path` for a URL field or one item of a URL list, or JSON holding
/// `@path` strings for a list or object field.
fn in_argument(field: &Field, text: &str, files: &mut LocalFiles) -> String {
    let item_is_url = field
        .items
        .as_deref()
        .is_some_and(|i| i.format == Some(Format::Url));
    let takes_url = match field.wire_type {
        WireType::String => field.format == Some(Format::Url),
        WireType::Array => item_is_url,
        _ => false,
    };
    if let Some(path) = text.strip_prefix('@')
        && takes_url
    {
        return files.path(path);
    }
    let json_like = text.trim_start().starts_with(['[', '{']);
    if matches!(field.wire_type, WireType::Array | WireType::Object) && json_like {
        // Malformed JSON is left to the field reader, which says what is wrong with it.
        if let Ok(mut value) = serde_json::from_str::<Value>(text) {
            let before = value.clone();
            in_field(field, &mut value, files);
            if value != before {
                return value.to_string();
            }
        }
    }
    text.to_string()
}

fn in_field(field: &Field, value: &mut Value, files: &mut LocalFiles) {
    match value {
        Value::String(text) if field.format == Some(Format::Url) => at_path(text, files),
        Value::Array(items) => {
            if let Some(shape) = field.items.as_deref() {
                items
                    .iter_mut()
                    .for_each(|item| in_item(shape, item, files));
            }
        }
        Value::Object(members) => in_members(&field.fields, members, files),
        _ => {}
    }
}

fn in_item(shape: &Items, value: &mut Value, files: &mut LocalFiles) {
    match value {
        Value::String(text) if shape.format == Some(Format::Url) => at_path(text, files),
        Value::Object(members) => in_members(&shape.fields, members, files),
        _ => {}
    }
}

fn in_members(fields: &[Field], members: &mut Map<String, Value>, files: &mut LocalFiles) {
    for (name, value) in members.iter_mut() {
        if let Some(field) = fields.iter().find(|f| &f.name == name) {
            in_field(field, value, files);
        }
    }
}

fn at_path(text: &mut String, files: &mut LocalFiles) {
    if let Some(path) = text.strip_prefix('@') {
        *text = files.path(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor(slug: &str) -> Descriptor {
        kling_sandbox::embedded_catalog()
            .unwrap()
            .remove(slug)
            .unwrap()
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn at_paths_in_url_positions_become_placeholders() {
        let d = descriptor("kling-plus/kling-o3-pro/reference-to-video");
        let mut files = LocalFiles::new();
        let out = substitute(
            &d,
            None,
            &args(&[
                "prompt=@everyone dances",
                "video_url=@./clip.mp4",
                "images=@a.png",
                r#"images=["@b.png", "https://e.com/c.png"]"#,
                r#"elements=[{"characterImages": ["@d.png"], "voice": "@v.mp3"}]"#,
                "images=[not json",
                "nonsense",
            ]),
            &mut files,
        );
        let p = |path: &str| files.clone().path(path);
        assert_eq!(out[0], "prompt=@everyone dances", "a prompt stays text");
        assert_eq!(out[1], format!("video_url={}", p("./clip.mp4")));
        assert_eq!(out[2], format!("images={}", p("a.png")));
        assert_eq!(
            out[3],
            format!(r#"images=["{}","https://e.com/c.png"]"#, p("b.png"))
        );
        assert_eq!(
            out[4],
            format!(
                r#"elements=[{{"characterImages":["{}"],"voice":"{}"}}]"#,
                p("d.png"),
                p("v.mp3")
            )
        );
        assert_eq!(&out[5..], ["images=[not json", "nonsense"]);
        assert_eq!(files.paths().len(), 5);
    }

    #[test]
    fn at_paths_in_an_input_file_become_placeholders() {
        let d = descriptor("kling/kling-omni-o1/image-to-video");
        let mut files = LocalFiles::new();
        let mut base = serde_json::json!({"prompt": "@x", "image_url": "@./cat.png"});
        let out = substitute(&d, Some(&mut base), &[], &mut files);
        assert!(out.is_empty());
        assert_eq!(base["prompt"], "@x");
        assert_eq!(base["image_url"], files.clone().path("./cat.png"));
    }
}
