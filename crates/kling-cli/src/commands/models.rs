//! The catalog's commands: `models`, `show`, `schema`, `price`. None of them sends anything.

use kling_descriptor::Descriptor;
use kling_descriptor::model::Field;

use crate::catalog;
use crate::cli::InputArgs;
use crate::fail::Fail;
use crate::input;
use crate::output::{ModelView, QuoteView, print_json};

/// `kling models`: every model with its base price and what its price depends on.
pub fn list(json_out: bool) -> Result<(), Fail> {
    let all = catalog::all()?;
    if json_out {
        let list: Vec<ModelView> = all.values().map(ModelView::from).collect();
        return print_json(&list);
    }
    let width = all.keys().map(String::len).max().unwrap_or(10);
    println!("{:<width$}  {:>10}  PRICED BY", "MODEL", "BASE");
    for d in all.values() {
        let by = d.pricing.priced_by(str::to_string);
        println!(
            "{:<width$}  {:>10}  {by}",
            d.slug,
            d.pricing.base_micro_cents.to_string()
        );
    }
    println!(
        "{} models; prices in US dollars (1 = 1,000,000 micro-cents)",
        all.len()
    );
    Ok(())
}

/// `kling show`: a model's fields and price table, or its whole descriptor as JSON.
pub fn show(slug: &str, json_out: bool) -> Result<(), Fail> {
    let d = catalog::descriptor(slug)?;
    if json_out {
        return print_json(&d);
    }
    println!("{} — {} ({})", d.model, d.capability, d.slug);
    println!("{}", d.summary);
    println!(
        "Typically ready in about {} s. {}",
        d.processing_time_seconds, d.docs_url
    );
    println!();
    println!("FIELDS");
    for f in &d.fields {
        println!("  {:<22} {}", f.name, facts(f).join("; "));
        println!("  {:<22} {}", "", f.description);
    }
    println!();
    print_price_table(&d);
    Ok(())
}

/// What `show` says about a field: its type, then each constraint it has.
fn facts(f: &Field) -> Vec<String> {
    let mut facts = vec![f.wire_type.as_str().to_string()];
    if f.required {
        facts.push("required".into());
    }
    if let Some(default) = f.default_text() {
        facts.push(format!("default {default}"));
    }
    if let Some(options) = &f.options {
        facts.push(format!("one of {}", options.join(", ")));
    }
    if let Some(max) = f.max_length {
        facts.push(format!("≤ {max} chars"));
    }
    if let (Some(lo), Some(hi)) = (f.minimum, f.maximum) {
        facts.push(format!("{lo}..{hi}"));
    }
    if let Some(max) = f.max_items {
        facts.push(format!("≤ {max} items"));
    }
    facts
}

fn print_price_table(d: &Descriptor) {
    println!("PRICE  {}", d.pricing.formula);
    println!(
        "  base {} micro-cents ({})",
        d.pricing.base_micro_cents.get(),
        d.pricing.base_micro_cents
    );
    for factor in &d.pricing.factors {
        let table: Vec<String> = factor
            .multipliers
            .0
            .iter()
            .map(|(o, m)| format!("{o}→×{m}"))
            .collect();
        println!("  {:<12} {}", factor.label, table.join("  "));
    }
}

/// `kling schema`: the JSON Schema of a model's input.
pub fn schema(slug: &str) -> Result<(), Fail> {
    let d = catalog::descriptor(slug)?;
    print_json(&catalog::model_id(&d)?.input_schema())
}

/// `kling price`: validates an input and prices it.
pub fn price(args: &InputArgs, json_out: bool) -> Result<(), Fail> {
    let (d, typed) = input::typed(args)?;
    let quote = typed.cost_breakdown();
    if json_out {
        print_json(&QuoteView::new(&d.slug, &quote))
    } else {
        println!("{quote}");
        Ok(())
    }
}
