//! The plan: every JSONL line parsed, validated and priced through the generated types before
//! anything is sent.

use std::collections::HashMap;
use std::fmt;

use kling::{MicroCents, ModelId};
use serde_json::{Map, Value};

/// One row of a batch, validated and priced.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PlannedRow {
    /// The row's id: its `id` member, or its line number.
    pub id: String,
    /// The 1-based line it came from.
    pub line: usize,
    /// The model.
    pub model: ModelId,
    /// The input in canonical form (object keys sorted), as the ledger stores and compares it.
    pub input: Value,
    /// The list price of the input.
    pub list_price: MicroCents,
}

/// Every row of a batch input, validated and priced.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    rows: Vec<PlannedRow>,
    total: MicroCents,
}

/// Something wrong with one line of the input (serialized as its four members, for tools).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RowProblem {
    /// The 1-based line.
    pub line: usize,
    /// The row's id, when the line got far enough to have one.
    pub row: Option<String>,
    /// A JSON pointer into the line (`/input/duration`), or empty for the whole line.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(row) = &self.row {
            write!(f, " (row `{row}`)")?;
        }
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a plan was refused. Nothing was sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Some lines are not valid rows; every problem is listed.
    #[error("{} problem(s) in the batch input; nothing was sent:\n{}", .0.len(), lines(.0))]
    Invalid(Vec<RowProblem>),
    /// The input has no rows.
    #[error("the batch input has no rows")]
    Empty,
    /// The rows' total list price is above the budget.
    #[error(
        "the batch's list price is {total} ({} micro-cents), above the budget of {budget}; nothing was sent",
        total.get()
    )]
    OverBudget {
        /// The total list price.
        total: MicroCents,
        /// The budget.
        budget: MicroCents,
    },
}

fn lines(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Longest row id; ids also name download folders, so they are kept short and path-safe.
const MAX_ID_LEN: usize = 128;

impl Plan {
    /// Parses, validates and prices every line of a JSONL batch input. Each non-blank line is
    /// `{"id": "…", "model": "<slug>", "input": {…}}`; `id` (a string or a whole number) defaults
    /// to the line number and may use letters, digits, `-`, `_` and `.` (not first), at most 128.
    /// Every problem of every line is reported at once.
    pub fn from_jsonl(text: &str) -> Result<Self, PlanError> {
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(index + 1, line, &mut seen) {
                Ok(row) => rows.push(row),
                Err(mut found) => problems.append(&mut found),
            }
        }
        if !problems.is_empty() {
            return Err(PlanError::Invalid(problems));
        }
        if rows.is_empty() {
            return Err(PlanError::Empty);
        }
        let total = rows
            .iter()
            .try_fold(MicroCents::new(0), |sum, r| sum.checked_add(r.list_price))
            .ok_or_else(|| {
                PlanError::Invalid(vec![RowProblem {
                    line: rows.last().map_or(0, |r| r.line),
                    row: None,
                    field: String::new(),
                    message: "the total list price does not fit in 64 bits of micro-cents".into(),
                }])
            })?;
        Ok(Self { rows, total })
    }

    /// The rows, in input order.
    pub fn rows(&self) -> &[PlannedRow] {
        &self.rows
    }

    /// The sum of the rows' list prices.
    pub fn total(&self) -> MicroCents {
        self.total
    }

    /// Refuses a plan whose total list price is above `budget`.
    pub fn check_budget(&self, budget: MicroCents) -> Result<(), PlanError> {
        if self.total > budget {
            return Err(PlanError::OverBudget {
                total: self.total,
                budget,
            });
        }
        Ok(())
    }
}

impl RowProblem {
    /// A problem of line `line` (1-based; row `row` when known) at the JSON pointer `field`.
    pub fn new(line: usize, row: Option<&str>, field: &str, message: impl Into<String>) -> Self {
        RowProblem {
            line,
            row: row.map(str::to_owned),
            field: field.into(),
            message: message.into(),
        }
    }
}

fn problem(line: usize, row: Option<&str>, field: &str, message: impl Into<String>) -> RowProblem {
    RowProblem::new(line, row, field, message)
}

/// One line as a row; `seen` maps the ids so far to their lines.
fn parse_line(
    line_no: usize,
    line: &str,
    seen: &mut HashMap<String, usize>,
) -> Result<PlannedRow, Vec<RowProblem>> {
    let object = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(vec![problem(line_no, None, "", "not a JSON object")]),
        Err(e) => return Err(vec![problem(line_no, None, "", format!("not JSON: {e}"))]),
    };
    let mut problems = Vec::new();
    for key in object.keys() {
        if !["id", "model", "input"].contains(&key.as_str()) {
            problems.push(problem(
                line_no,
                None,
                &format!("/{key}"),
                "unknown member (a row has `id`, `model` and `input`)",
            ));
        }
    }
    let id = match row_id(line_no, object.get("id")) {
        Ok(id) => {
            if let Some(first) = seen.insert(id.clone(), line_no) {
                let message = format!("the id is already used on line {first}");
                problems.push(problem(line_no, Some(&id), "/id", message));
            }
            Some(id)
        }
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let id_ref = id.as_deref();
    let model = match object.get("model") {
        Some(Value::String(slug)) => match slug.parse::<ModelId>() {
            Ok(model) => Some(model),
            Err(e) => {
                problems.push(problem(line_no, id_ref, "/model", e.to_string()));
                None
            }
        },
        Some(_) => {
            problems.push(problem(line_no, id_ref, "/model", "must be a model slug"));
            None
        }
        None => {
            problems.push(problem(line_no, id_ref, "/model", "is required"));
            None
        }
    };
    let input = match object.get("input") {
        Some(Value::Object(input)) => Some(canonical_object(input)),
        Some(_) => {
            problems.push(problem(line_no, id_ref, "/input", "must be an object"));
            None
        }
        None => {
            problems.push(problem(line_no, id_ref, "/input", "is required"));
            None
        }
    };
    let (Some(id), Some(model), Some(input)) = (id, model, input) else {
        return Err(problems);
    };
    match model.validate_json(input.clone()) {
        Ok(typed) if problems.is_empty() => Ok(PlannedRow {
            id,
            line: line_no,
            model,
            input,
            list_price: typed.cost(),
        }),
        Ok(_) => Err(problems),
        Err(e) => {
            problems.extend(input_problems(line_no, &id, e));
            Err(problems)
        }
    }
}

fn input_problems(line: usize, id: &str, error: kling::InputError) -> Vec<RowProblem> {
    match error {
        kling::InputError::Invalid(violations) => violations
            .0
            .into_iter()
            .map(|v| problem(line, Some(id), &format!("/input{}", v.path), v.message))
            .collect(),
        kling::InputError::Decode(e) => {
            vec![problem(
                line,
                Some(id),
                &format!("/input{}", e.path),
                e.message,
            )]
        }
        other => vec![problem(line, Some(id), "/input", other.to_string())],
    }
}

fn row_id(line: usize, value: Option<&Value>) -> Result<String, RowProblem> {
    let id = match value {
        None => return Ok(line.to_string()),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        Some(_) => {
            return Err(problem(
                line,
                None,
                "/id",
                "must be a string or a whole number",
            ));
        }
    };
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || id.len() > MAX_ID_LEN || id.starts_with('.') || !id.chars().all(safe) {
        return Err(problem(
            line,
            None,
            "/id",
            format!(
                "`{id}` is not a usable row id: use 1 to {MAX_ID_LEN} letters, digits, `-`, `_` or `.` (not first)"
            ),
        ));
    }
    Ok(id)
}

/// The object with its keys sorted at every level: the same input always has the same text.
fn canonical_object(object: &Map<String, Value>) -> Value {
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort();
    Value::Object(
        keys.into_iter()
            .map(|k| (k.clone(), canonical(&object[k])))
            .collect(),
    )
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(object) => canonical_object(object),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOAT: &str = "kling-plus/kling-o3-standard/text-to-video";

    #[test]
    fn rows_are_validated_priced_and_identified() {
        let text = format!(
            "{{\"id\": \"a\", \"model\": \"{BOAT}\", \"input\": {{\"prompt\": \"boat\", \"duration\": \"10\"}}}}\n\n\
             {{\"model\": \"{BOAT}\", \"input\": {{\"prompt\": \"kite\"}}}}\n\
             {{\"id\": 7, \"model\": \"{BOAT}\", \"input\": {{\"duration\": \"5\", \"prompt\": \"sea\"}}}}\n"
        );
        let plan = Plan::from_jsonl(&text).unwrap();
        let ids: Vec<&str> = plan.rows().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "3", "7"]);
        let r = &plan.rows()[2];
        assert_eq!(r.input.to_string(), r#"{"duration":"5","prompt":"sea"}"#);
        assert!(plan.rows()[0].list_price > plan.rows()[1].list_price);
        let sum = plan.rows().iter().map(|r| r.list_price.get()).sum::<u64>();
        assert_eq!(plan.total().get(), sum);
        assert!(plan.check_budget(plan.total()).is_ok());
        let short = MicroCents::new(sum - 1);
        assert_eq!(
            plan.check_budget(short),
            Err(PlanError::OverBudget {
                total: plan.total(),
                budget: short
            })
        );
    }

    #[test]
    fn every_problem_names_its_line_row_and_field() {
        let text = format!(
            "{{\"id\": \"a\", \"model\": \"{BOAT}\", \"input\": {{\"prompt\": \"boat\", \"duration\": \"16\"}}}}\n\
             not json\n\
             {{\"id\": \"b\", \"model\": \"kling-plus/kling-o3-standrd/text-to-video\", \"input\": {{}}}}\n\
             {{\"id\": \"../x\", \"modle\": \"{BOAT}\", \"input\": []}}\n\
             {{\"id\": \"a\", \"model\": \"{BOAT}\", \"input\": {{\"prompt\": \"again\"}}}}\n"
        );
        let Err(PlanError::Invalid(problems)) = Plan::from_jsonl(&text) else {
            panic!("refused");
        };
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expect = [
            "line 1 (row `a`) /input/duration",
            "line 2: not JSON",
            "line 3 (row `b`) /model: unknown model",
            "line 4 /modle: unknown member",
            "line 4 /id: `../x` is not a usable row id",
            "line 4 /model: is required",
            "line 4 /input: must be an object",
            "line 5 (row `a`) /id: the id is already used on line 1",
        ];
        assert_eq!(shown.len(), expect.len(), "{shown:#?}");
        for (got, want) in shown.iter().zip(expect) {
            assert!(got.starts_with(want), "{got} should start with {want}");
        }
        assert!(shown[2].contains("did you mean"), "{}", shown[2]);
        assert_eq!(Plan::from_jsonl("\n  \n"), Err(PlanError::Empty));
    }
}
