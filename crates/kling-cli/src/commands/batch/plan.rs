//! A batch input read and checked before anything is sent: `@path` local files at URL positions
//! replaced by placeholders, every row validated and priced by `kling_batch::Plan`, every local
//! file checked, and the total held against `--max-total`.
//!
//! A row's placeholders come from [`LocalFiles::keyed`] with the row's id and input as written,
//! so the same row gets the same placeholders on every run and the ledger recognises it; any
//! edit of the row (a path included) changes them, and the ledger refuses the changed row as it
//! refuses any changed input. The files are uploaded by the runner just before each row's
//! submit.

use std::path::Path;

use kling::MicroCents;
use kling::client::LocalFiles;
use kling_batch::{Plan, PlanError, RowProblem};
use serde_json::Value;

use crate::catalog;
use crate::fail::Fail;
use crate::local_inputs;

/// A checked batch: its plan (placeholders where the rows name local files) and the files of
/// each row that names some, by row id.
pub struct Checked {
    pub plan: Plan,
    pub files: Vec<(String, LocalFiles)>,
}

/// The batch in `file`, refused (exit 2, every bad row named) when a row is invalid, names a
/// local file that cannot be uploaded, or the total list price is above `max_total`.
pub async fn read(file: &Path, max_total: Option<MicroCents>) -> Result<Checked, Fail> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Fail::usage(format!("cannot read {}: {e}", file.display())))?;
    let (text, rows) = with_placeholders(&text);
    let mut problems = Vec::new();
    for row in &rows {
        problems.extend(row.check().await);
    }
    let plan = match Plan::from_jsonl(&text) {
        Ok(plan) if problems.is_empty() => plan,
        Ok(_) => return Err(Fail::invalid_batch(problems)),
        Err(PlanError::Invalid(found)) => {
            problems.extend(found);
            problems.sort_by_key(|p| p.line);
            return Err(Fail::invalid_batch(problems));
        }
        Err(e) => {
            return Err(Fail::usage(format!("{}: {e}", file.display())).with_code("invalid_batch"));
        }
    };
    if let Some(budget) = max_total {
        plan.check_budget(budget)
            .map_err(|e| Fail::usage(e.to_string()).with_code("over_budget"))?;
    }
    let files = rows.into_iter().map(|r| (r.id, r.files)).collect();
    Ok(Checked { plan, files })
}

/// A row that names local files.
struct RowFiles {
    line: usize,
    id: String,
    files: LocalFiles,
    /// Each `@path` value, with the JSON pointer of the line where it is.
    fields: Vec<(String, String)>,
}

impl RowFiles {
    /// A problem for each file that cannot be uploaded (missing, unreadable, refused type or
    /// size), naming the field that names it.
    async fn check(&self) -> Vec<RowProblem> {
        let mut problems = Vec::new();
        for (field, value) in &self.fields {
            let mut one = LocalFiles::new();
            one.path(&value[1..]);
            if let Err(e) = one.check().await {
                let message = format!("`{value}`: {e}");
                problems.push(RowProblem::new(self.line, Some(&self.id), field, message));
            }
        }
        problems
    }
}

/// The text with every `@path` at a URL position of a row's input replaced by a placeholder of
/// the row's own set, line for line; and the rows that name files. Lines that are not rows of
/// a known model are left as they are for the plan, which says what is wrong with them.
fn with_placeholders(text: &str) -> (String, Vec<RowFiles>) {
    // Read once: a batch may have thousands of rows. Without it the plan reports every model.
    let catalog = catalog::all().unwrap_or_default();
    let mut rows = Vec::new();
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.lines().enumerate() {
        if let Some((replaced, row)) = row_files(&catalog, index + 1, line) {
            out.push_str(&replaced);
            rows.push(row);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, rows)
}

/// One line with its local files replaced, when it is a row that names some.
fn row_files(
    catalog: &std::collections::BTreeMap<String, kling_descriptor::Descriptor>,
    line: usize,
    text: &str,
) -> Option<(String, RowFiles)> {
    let Ok(Value::Object(mut row)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let (Some(Value::String(slug)), Some(input @ Value::Object(_))) =
        (row.get("model"), row.get("input"))
    else {
        return None;
    };
    let descriptor = catalog.get(slug)?;
    let id = match row.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => line.to_string(),
    };
    // The input as written (members in their order): any edit of the row gives other
    // placeholders.
    let mut files = LocalFiles::keyed(&format!("{id}\n{input}"));
    let mut substituted = input.clone();
    local_inputs::substitute(descriptor, Some(&mut substituted), &[], &mut files);
    if files.is_empty() {
        return None;
    }
    let mut fields = Vec::new();
    differences(input, &substituted, "/input".to_string(), &mut fields);
    row.insert("input".into(), substituted);
    let row_files = RowFiles {
        line,
        id,
        files,
        fields,
    };
    Some((Value::Object(row).to_string(), row_files))
}

/// The JSON pointers (under `at`) where `before` and `after` differ, with the value before.
fn differences(before: &Value, after: &Value, at: String, out: &mut Vec<(String, String)>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    differences(value, other, format!("{at}/{key}"), out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, format!("{at}/{i}"), out);
            }
        }
        (Value::String(a), _) if before != after => out.push((at, a.clone())),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAT: &str = r#"{"id": "cat", "model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "@x", "image_url": "@./cat.png"}}"#;

    #[test]
    fn local_files_become_placeholders_of_the_row_line_for_line() {
        let text = format!(
            "{CAT}\n\n{}\n{}\nnot json\n",
            r#"{"model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "a", "image_url": "https://e.com/c.png"}}"#,
            r#"{"model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "a", "image_url": "@dog.png"}}"#,
        );
        let (out, rows) = with_placeholders(&text);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5, "{out}");
        assert_eq!(&lines[1..3], &text.lines().collect::<Vec<_>>()[1..3]);
        assert_eq!(lines[4], "not json");
        let ids: Vec<(usize, &str)> = rows.iter().map(|r| (r.line, r.id.as_str())).collect();
        assert_eq!(ids, [(1, "cat"), (4, "4")]);
        assert_eq!(
            rows[0].fields,
            [("/input/image_url".to_string(), "@./cat.png".to_string())]
        );
        let first: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["input"]["prompt"], "@x", "a prompt stays text");
        let placeholder = first["input"]["image_url"].as_str().unwrap();
        assert_eq!(rows[0].files.paths(), [Path::new("./cat.png")]);

        // The same row gives the same placeholder on every run; an edited row another.
        let (again, _) = with_placeholders(&text);
        assert_eq!(again, out);
        let edited = CAT.replace("cat.png", "cat2.png");
        let (other, _) = with_placeholders(&edited);
        let other: Value = serde_json::from_str(other.trim_end()).unwrap();
        assert_ne!(other["input"]["image_url"].as_str().unwrap(), placeholder);
    }
}
