//! A batch input read and checked before anything is sent: every row validated and priced by
//! `kling_batch::Plan`, `@path` local files refused, and the total held against `--max-total`.
//!
//! Local files are refused rather than uploaded because the runner submits the ledger's stored
//! input as it is: a file would have to be uploaded between the ledger's `submitting` step and
//! the submit, which `kling-batch` has no hook for. Uploading it first (`kling upload`) and
//! using its URL works today.

use std::collections::HashSet;
use std::path::Path;

use kling::MicroCents;
use kling::client::LocalFiles;
use kling_batch::{Plan, PlanError, RowProblem};
use serde_json::Value;

use crate::catalog;
use crate::fail::Fail;
use crate::local_inputs;

/// The plan of the batch in `file`, refused (exit 2, every bad row named) when a row is invalid,
/// names a local file, or the total list price is above `max_total`.
pub fn read(file: &Path, max_total: Option<MicroCents>) -> Result<Plan, Fail> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Fail::usage(format!("cannot read {}: {e}", file.display())))?;
    let local = local_files(&text);
    let plan = match (Plan::from_jsonl(&text), local.is_empty()) {
        (Ok(plan), true) => plan,
        (Ok(_), false) => return Err(Fail::invalid_batch(local)),
        (Err(PlanError::Invalid(problems)), _) => {
            let flagged: HashSet<(usize, &str)> =
                local.iter().map(|p| (p.line, p.field.as_str())).collect();
            let mut all: Vec<RowProblem> = problems
                .into_iter()
                .filter(|p| !flagged.contains(&(p.line, p.field.as_str())))
                .collect();
            all.extend(local.iter().cloned());
            all.sort_by_key(|p| p.line);
            return Err(Fail::invalid_batch(all));
        }
        (Err(e), _) => {
            return Err(Fail::usage(format!("{}: {e}", file.display())).with_code("invalid_batch"));
        }
    };
    if let Some(budget) = max_total {
        plan.check_budget(budget)
            .map_err(|e| Fail::usage(e.to_string()).with_code("over_budget"))?;
    }
    Ok(plan)
}

/// Every `@path` at a URL position of a row's input, as a problem of its line. Lines that are
/// not rows of a known model are left to the plan, which says what is wrong with them.
fn local_files(text: &str) -> Vec<RowProblem> {
    // Read once: a batch may have thousands of rows. Without it the plan reports every model.
    let catalog = catalog::all().unwrap_or_default();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Ok(Value::Object(row)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let (Some(Value::String(slug)), Some(input @ Value::Object(_))) =
            (row.get("model"), row.get("input"))
        else {
            continue;
        };
        let Some(descriptor) = catalog.get(slug) else {
            continue;
        };
        let mut substituted = input.clone();
        let mut files = LocalFiles::new();
        local_inputs::substitute(descriptor, Some(&mut substituted), &[], &mut files);
        if files.is_empty() {
            continue;
        }
        let id = match row.get("id") {
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => Some((index + 1).to_string()),
        };
        let mut changed = Vec::new();
        differences(input, &substituted, "/input".to_string(), &mut changed);
        for (field, value) in changed {
            problems.push(RowProblem::new(
                index + 1,
                id.as_deref(),
                &field,
                format!(
                    "`{value}` is a local file; batch rows take URLs only (upload it with `kling upload FILE` and use the URL it prints)"
                ),
            ));
        }
    }
    problems
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

    #[test]
    fn local_files_are_named_by_line_row_and_field() {
        let text = concat!(
            r#"{"id": "cat", "model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "@x", "image_url": "@./cat.png"}}"#,
            "\n",
            r#"{"model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "a", "image_url": "https://e.com/c.png"}}"#,
            "\n",
            r#"{"model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "a", "image_url": "@dog.png"}}"#,
            "\n",
        );
        let shown: Vec<String> = local_files(text).iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0]
                .starts_with("line 1 (row `cat`) /input/image_url: `@./cat.png` is a local file"),
            "{}",
            shown[0]
        );
        assert!(
            shown[1].starts_with("line 3 (row `3`) /input/image_url: `@dog.png`"),
            "{}",
            shown[1]
        );
    }
}
