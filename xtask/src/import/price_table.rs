//! The pricing section of either page shape: the formula line, the factor table (MDX rows, or the
//! rendered page's run-together cells such as `Duration1010x`) and the documented default cost.

use kling_descriptor::Multiplier;

use super::page::{Page, PageFactor, digits};

/// Reads the formula, the factor table and the default cost into `page`.
pub fn read(text: &str, page: &mut Page) {
    let lines: Vec<&str> = text.lines().collect();
    page.formula = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("finalCost"))
        .map(|l| l.trim_matches('`').to_string());
    let factor_names = page
        .formula
        .as_deref()
        .map(formula_fields)
        .unwrap_or_default();
    if let Some(start) = lines.iter().position(|l| {
        let l = l.replace([' ', '|'], "").to_ascii_lowercase();
        l.starts_with("factoroptionmultiplier")
    }) {
        let end = lines[start + 1..]
            .iter()
            .position(|l| {
                let l = l.trim().to_ascii_lowercase();
                l.starts_with("default cost")
                    || l.starts_with("cost:")
                    || l.starts_with("<tip")
                    || l.starts_with("##")
                    || l.starts_with("response")
            })
            .map_or(lines.len(), |p| start + 1 + p);
        factor_rows(&lines[start + 1..end], &factor_names, page);
    }
    page.default_cost = lines
        .iter()
        .find(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("default cost") || l.trim_start().starts_with("cost:")
        })
        .and_then(|l| {
            let before = l.split("micro-cents").next()?;
            let number = before
                .rsplit(|c: char| !(c.is_ascii_digit() || c == ','))
                .find(|t| !t.is_empty())?;
            digits(number)
        });
}

/// The names the formula multiplies the base by (`duration`, `has_sound`).
pub fn formula_fields(formula: &str) -> Vec<String> {
    formula
        .split(['×', '*'])
        .skip(1)
        .map(|t| {
            t.trim()
                .trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .to_string()
        })
        .filter(|t| !t.is_empty() && !t.starts_with('('))
        .collect()
}

/// Splits a run-together table cell like `1010x` or `true1.5x` into (option, multiplier).
/// Returns the candidates when the split is ambiguous.
fn split_cell(cell: &str) -> Result<(String, String), Vec<(String, String)>> {
    let cell = cell.trim().trim_end_matches(['x', '×']).trim();
    let is_decimal = |s: &str| {
        !s.is_empty()
            && s.parse::<Multiplier>().is_ok()
            && (!s.starts_with('0') || s == "0" || s.starts_with("0."))
    };
    let mut candidates: Vec<(String, String)> = Vec::new();
    for (i, _) in cell.char_indices().skip(1) {
        let (option, mult) = cell.split_at(i);
        if is_decimal(mult) && !option.ends_with('.') {
            candidates.push((option.to_string(), mult.to_string()));
        }
    }
    // An alphabetic option ends where the number starts.
    if let Some(c) = candidates
        .iter()
        .find(|(o, _)| o.chars().all(|c| !c.is_ascii_digit() && c != '.'))
    {
        let first_digit = cell
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(cell.len());
        let (o, m) = cell.split_at(first_digit);
        if is_decimal(m) {
            return Ok((o.to_string(), m.to_string()));
        }
        return Ok(c.clone());
    }
    // Options are rarely fractional: prefer splits whose option is a whole word or number.
    let whole: Vec<(String, String)> = candidates
        .iter()
        .filter(|(o, _)| !o.contains('.'))
        .cloned()
        .collect();
    if !whole.is_empty() {
        candidates = whole;
    }
    if let Some(same) = candidates.iter().find(|(o, m)| o == m) {
        return Ok(same.clone());
    }
    match candidates.len() {
        0 => Err(Vec::new()),
        1 => Ok(candidates.remove(0)),
        _ => Err(candidates),
    }
}

/// Parses `Label | Option | Multiplier` rows (MDX tables) or run-together rows (rendered text).
fn factor_rows(lines: &[&str], factor_names: &[String], page: &mut Page) {
    let mut current: Option<PageFactor> = None;
    for line in lines {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with("|-")
            || line.starts_with("| -")
            || line.starts_with("|:")
        {
            continue;
        }
        let row = if line.starts_with('|') {
            table_row(line)
        } else {
            run_together_row(line, factor_names, current.is_none(), &mut page.review)
        };
        let Some((label, option, mult)) = row else {
            continue;
        };
        if !label.is_empty() {
            if let Some(done) = current.take() {
                page.factors.push(done);
            }
            current = Some((label, Vec::new()));
        }
        if let Some((_, rows)) = current.as_mut() {
            rows.push((option, mult));
        }
    }
    if let Some(done) = current.take() {
        page.factors.push(done);
    }
}

/// `| Label | option | 1.5x |` (the label cell is blank on continuation rows).
fn table_row(line: &str) -> Option<(String, String, String)> {
    let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
    if cells.len() < 3 || cells[0].eq_ignore_ascii_case("factor") {
        return None;
    }
    Some((
        cells[0].to_string(),
        cells[1].trim_matches('`').to_string(),
        cells[2].trim_end_matches(['x', '×']).trim().to_string(),
    ))
}

/// Rendered: "Duration33x" starts a factor, "44x" continues it.
fn run_together_row(
    line: &str,
    factor_names: &[String],
    first: bool,
    review: &mut Vec<String>,
) -> Option<(String, String, String)> {
    let starts_label = line.starts_with(|c: char| c.is_ascii_uppercase());
    let (label, rest) = if starts_label && (first || !factor_names.is_empty()) {
        split_label(line, factor_names)
    } else {
        (String::new(), line)
    };
    match split_cell(rest) {
        Ok((o, m)) => Some((label, o, m)),
        Err(candidates) => {
            review.push(format!(
                "price table row `{line}` is ambiguous ({}); check the multipliers",
                candidates
                    .iter()
                    .map(|(o, m)| format!("{o}→{m}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
            let (o, m) = candidates.into_iter().min_by(|a, b| {
                a.1.parse::<f64>()
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.1.parse::<f64>().unwrap_or(f64::MAX))
            })?;
            Some((label, o, m))
        }
    }
}

/// The label at the start of a run-together row: a usual one, a formula field title-cased, or the
/// leading words before the first digit.
fn split_label<'a>(line: &'a str, factor_names: &[String]) -> (String, &'a str) {
    let mut known: Vec<String> = [
        "Has Sound",
        "Sound",
        "Duration",
        "Quality",
        "Resolution",
        "Mode",
    ]
    .map(String::from)
    .to_vec();
    known.extend(factor_names.iter().map(|f| {
        f.split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }));
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    match known.iter().find(|k| line.starts_with(k.as_str())) {
        Some(k) => (k.clone(), &line[k.len()..]),
        None => {
            let end = line
                .char_indices()
                .skip(1)
                .find(|(_, c)| c.is_ascii_digit())
                .map_or(line.len(), |(i, _)| i);
            (line[..end].to_string(), &line[end..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_together_cells_split_sensibly() {
        assert_eq!(split_cell("33x"), Ok(("3".into(), "3".into())));
        assert_eq!(split_cell("1010x"), Ok(("10".into(), "10".into())));
        assert_eq!(split_cell("true1.5x"), Ok(("true".into(), "1.5".into())));
        assert_eq!(split_cell("std1x"), Ok(("std".into(), "1".into())));
        assert_eq!(split_cell("301.25x"), Ok(("30".into(), "1.25".into())));
        assert!(split_cell("241x").is_err(), "24→1 or 2→41: ambiguous");
    }

    #[test]
    fn formulas_name_their_factors() {
        assert_eq!(
            formula_fields("finalCost = baseCost × duration × has_sound"),
            ["duration", "has_sound"]
        );
        assert!(formula_fields("finalCost = baseCost (flat per-video)").is_empty());
    }
}
