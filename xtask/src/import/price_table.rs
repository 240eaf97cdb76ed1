//! The pricing facts of either page shape: the base cost and its unit, the formula's factor names,
//! the factor table (MDX rows whose continuation rows leave the label blank, or the rendered page's
//! run-together cells such as `Duration1010x`), and the stated default cost with its worked example.

use kling_descriptor::{MicroCents, Multiplier};

use super::page::{BaseCost, FactorRow, PageFactor, Review, StatedCost};
use super::text::{amount, inline, plain};

/// `84,000 micro-cents/second ($0.084/sec)`, `12,500 micro-cents per image ($0.0125/image)`: the
/// amount, its unit, and a check that the dollar figure agrees.
pub fn base_cost(value: &str, line: usize, review: &mut Vec<Review>) -> Option<BaseCost> {
    let value = plain(&inline(value));
    let (micro_cents, rest) = amount(&value)?;
    let lower = rest.to_ascii_lowercase();
    let unit = ["second", "image", "request", "video", "job", "minute"]
        .into_iter()
        .find(|u| {
            let head = lower.split('(').next().unwrap_or_default();
            head.contains(&format!("/{u}")) || head.contains(&format!("per {u}"))
        })
        .map(|u| format!("per {u}"));
    if unit.is_none() {
        review.push(Review::at(
            line,
            format!(
                "the base cost `{}` states no unit the importer knows",
                value.trim()
            ),
        ));
    }
    check_dollars(micro_cents, rest, line, review);
    Some(BaseCost {
        micro_cents,
        unit,
        line,
    })
}

/// Reports a `($0.084)` figure that does not round from the micro-cents amount.
fn check_dollars(micro_cents: u64, rest: &str, line: usize, review: &mut Vec<Review>) {
    let Some(start) = rest.find('$') else { return };
    let figure: String = rest[start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    let figure = figure.trim_end_matches('.');
    let Ok(stated) = MicroCents::from_usd(figure) else {
        review.push(Review::at(
            line,
            format!("the dollar figure `${figure}` is not read"),
        ));
        return;
    };
    let decimals = figure.split_once('.').map_or(0, |(_, f)| f.len()) as u32;
    // The figure is the amount rounded to its own number of decimals.
    let step = 10u64.pow(6u32.saturating_sub(decimals));
    if stated.get().abs_diff(micro_cents).saturating_mul(2) > step {
        review.push(Review::at(
            line,
            format!(
                "${figure} is not {micro_cents} micro-cents ({}); the micro-cents are drafted",
                MicroCents::new(micro_cents)
            ),
        ));
    }
}

/// The names the formula multiplies the base by (`duration`, `has_sound`); anything else in it
/// (a remark such as `(flat per-video)`) is reported.
pub fn formula_names(formula: &str, line: usize, review: &mut Vec<Review>) -> Vec<String> {
    let formula = plain(formula);
    let Some((_, rhs)) = formula.split_once('=') else {
        review.push(Review::at(line, "the formula has no `=`; read as flat"));
        return Vec::new();
    };
    let mut names = Vec::new();
    for (i, term) in rhs.split(['×', '*']).enumerate() {
        let (name, remark) = match term.split_once('(') {
            Some((name, remark)) => (name.trim(), Some(remark.trim_end_matches(')').trim())),
            None => (term.trim(), None),
        };
        if let Some(remark) = remark.filter(|r| !r.is_empty()) {
            review.push(Review::at(
                line,
                format!("the formula remarks `({remark})`"),
            ));
        }
        let identifier = !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match (i, identifier) {
            (0, _) if name.eq_ignore_ascii_case("basecost") => {}
            (0, _) => review.push(Review::at(
                line,
                format!("the formula starts with `{name}`, not `baseCost`"),
            )),
            (_, true) => names.push(name.to_string()),
            (_, false) => review.push(Review::at(
                line,
                format!("the formula term `{}` is not a name; ignored", term.trim()),
            )),
        }
    }
    names
}

/// `1x`, `1.25x`, `×1.5`, `2`: the multiplier.
pub fn multiplier(text: &str) -> Option<Multiplier> {
    let text = plain(&inline(text));
    let text = text
        .trim()
        .trim_start_matches(['×', 'x', 'X'])
        .trim_end_matches(['×', 'x', 'X']);
    text.trim().parse().ok()
}

/// The factor rows of an MDX table: `| **Label** | `option` | 1.5x |`, continuation rows with a
/// blank label cell. `rows` are the table's lines after its header, with their line numbers.
pub fn pipe_rows(rows: &[(usize, &str)], review: &mut Vec<Review>) -> Vec<PageFactor> {
    let mut factors: Vec<PageFactor> = Vec::new();
    for &(line, row) in rows {
        let cells: Vec<String> = row
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| plain(&inline(c)).trim().to_string())
            .collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue;
        }
        let [label, option, mult] = cells.as_slice() else {
            review.push(Review::at(
                line,
                format!(
                    "price table row `{}` does not have three cells; not read",
                    row.trim()
                ),
            ));
            continue;
        };
        let Some(m) = multiplier(mult) else {
            review.push(Review::at(
                line,
                format!("multiplier `{mult}` of option `{option}` is not a number; row not read"),
            ));
            continue;
        };
        if option.is_empty() {
            review.push(Review::at(
                line,
                format!("a price table row has no option (multiplier {m}); not read"),
            ));
            continue;
        }
        if !label.is_empty() {
            factors.push(PageFactor {
                label: label.clone(),
                line,
                rows: Vec::new(),
            });
        }
        match factors.last_mut() {
            Some(f) => f.rows.push(FactorRow {
                option: option.clone(),
                multiplier: m,
                line,
            }),
            None => review.push(Review::at(
                line,
                "a price table row before any factor label; not read",
            )),
        }
    }
    factors
}

/// `Default cost: 5 seconds, no sound = 84,000 × 5 × 1 = 420,000 micro-cents ($0.420)`, or
/// `Cost: flat 30,000 micro-cents ($0.030) per video.`: the amount, the worked example, and any
/// `name=value` assumptions.
pub fn stated_cost(text: &str, line: usize, review: &mut Vec<Review>) -> Option<StatedCost> {
    let text = plain(&inline(text));
    let cut = text.rfind("micro-cents")?;
    let before = &text[..cut];
    let total_start = before
        .trim_end()
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ','))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let (micro_cents, _) = amount(&before[total_start..])?;
    check_dollars(micro_cents, &text[cut..], line, review);
    let lhs = before[..total_start].trim_end().trim_end_matches('=');
    let chain = lhs.rsplit('=').next().and_then(|c| chain(c, line, review));
    let assumes = assumptions(lhs);
    Some(StatedCost {
        micro_cents,
        chain,
        assumes,
        line,
    })
}

/// `84,000 × 5 × 1` (the text before it is the example in words).
fn chain(text: &str, line: usize, review: &mut Vec<Review>) -> Option<(u64, Vec<Multiplier>)> {
    let mut terms = text.split('×');
    let base_term = terms.next()?;
    let base_text = base_term
        .rsplit(|c: char| c.is_whitespace() || c == ':')
        .find(|t| !t.is_empty())?;
    let (base, rest) = amount(base_text)?;
    let mut multipliers = Vec::new();
    for term in terms {
        match multiplier(term) {
            Some(m) => multipliers.push(m),
            None => {
                review.push(Review::at(
                    line,
                    format!("the default cost's term `{}` is not a number", term.trim()),
                ));
                return None;
            }
        }
    }
    (rest.is_empty() && !multipliers.is_empty()).then_some((base, multipliers))
}

/// `name=value` pairs written before the worked example (`(has_sound=true, duration=5):`).
fn assumptions(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text.split([' ', ',', '(', ')', ':']).collect();
    words
        .iter()
        .filter_map(|w| w.split_once('='))
        .filter(|(k, v)| {
            !k.is_empty()
                && !v.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Splits a run-together cell like `1010x` or `true1.5x` into (option, multiplier); the
/// candidates when the split is ambiguous.
pub fn split_cell(cell: &str) -> Result<(String, String), Vec<(String, String)>> {
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
        let mut review = Vec::new();
        assert_eq!(
            formula_names(
                "finalCost = baseCost × duration × `has_sound`",
                3,
                &mut review
            ),
            ["duration", "has_sound"]
        );
        assert!(review.is_empty());
        assert!(formula_names("finalCost = baseCost (flat per-video)", 4, &mut review).is_empty());
        assert_eq!(
            review,
            [Review::at(4, "the formula remarks `(flat per-video)`")]
        );
    }

    #[test]
    fn costs_and_multipliers_are_read_exactly() {
        let mut review = Vec::new();
        let base = base_cost("12,500 micro-cents/image ($0.0125/image)", 7, &mut review).unwrap();
        assert_eq!(
            (base.micro_cents, base.unit.as_deref()),
            (12_500, Some("per image"))
        );
        let base = base_cost("**60,000 micro-cents per request ($0.06)**", 8, &mut review).unwrap();
        assert_eq!(base.unit.as_deref(), Some("per request"));
        assert!(review.is_empty(), "{review:?}");
        base_cost("84,000 micro-cents/second ($0.85/sec)", 9, &mut review);
        assert_eq!(
            review.len(),
            1,
            "a dollar figure that disagrees is reported"
        );
        assert_eq!(
            multiplier("1.25x").map(|m| m.to_string()),
            Some("1.25".into())
        );
        assert_eq!(multiplier("×4").map(|m| m.to_string()), Some("4".into()));
        assert_eq!(multiplier("lots"), None);

        let tip = stated_cost(
            "**Default cost:** (has_sound=true, duration=5): 70,000 × 2 × 5 = **700,000 micro-cents ($0.700)**",
            20,
            &mut review,
        )
        .unwrap();
        assert_eq!(tip.micro_cents, 700_000);
        let (base, chain) = tip.chain.unwrap();
        assert_eq!(
            (
                base,
                chain.iter().map(ToString::to_string).collect::<Vec<_>>()
            ),
            (70_000, vec!["2".into(), "5".into()])
        );
        assert_eq!(
            tip.assumes,
            [
                ("has_sound".into(), "true".into()),
                ("duration".into(), "5".into())
            ]
        );
        let flat = stated_cost(
            "**Cost:** flat 30,000 micro-cents ($0.030) per video.",
            21,
            &mut review,
        )
        .unwrap();
        assert_eq!((flat.micro_cents, flat.chain.is_none()), (30_000, true));
        assert_eq!(review.len(), 1, "{review:?}");
    }
}
