//! Every descriptor's price equals the page's base × multipliers for every combination of the
//! page's factor options, and equals the page's documented default cost.
//!
//! `fixtures/published-prices.json` is our own transcription of each page's pricing table and
//! worked example. The expected prices are computed here with independent fraction arithmetic,
//! not with `kling_descriptor::money`.

use std::collections::{BTreeMap, BTreeSet};

use kling_descriptor::{Descriptor, input};
use kling_workspace_tests::{catalog, fixture};
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    slug: String,
    base_micro_cents: u64,
    flat: bool,
    factors: Vec<PageFactor>,
    default_cost_micro_cents: u64,
    example_input: serde_json::Value,
}

#[derive(Deserialize)]
struct PageFactor {
    field: String,
    multipliers: serde_json::Map<String, serde_json::Value>,
}

/// `"1.5"` → 15/10, as a plain fraction.
fn fraction(text: &str) -> (u128, u128) {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = format!("{whole}{frac}");
    (
        digits.parse().expect("a decimal multiplier"),
        10u128.pow(frac.len() as u32),
    )
}

fn expected_price(base: u64, multipliers: &[&str]) -> u64 {
    let (mut num, mut den) = (u128::from(base), 1u128);
    for m in multipliers {
        let (n, d) = fraction(m);
        num *= n;
        den *= d;
    }
    assert_eq!(
        num % den,
        0,
        "the page's own table gives a fractional price"
    );
    u64::try_from(num / den).expect("fits")
}

fn pages() -> Vec<Page> {
    let text = std::fs::read_to_string(fixture("published-prices.json")).expect("fixture");
    serde_json::from_str(&text).expect("fixture parses")
}

#[test]
fn every_combination_matches_the_published_table() {
    let pages = pages();
    let catalog = catalog();
    let by_slug: BTreeMap<&str, &Descriptor> = catalog
        .iter()
        .map(|l| (l.descriptor.slug.as_str(), &l.descriptor))
        .collect();
    let page_slugs: BTreeSet<&str> = pages.iter().map(|p| p.slug.as_str()).collect();
    let descriptor_slugs: BTreeSet<&str> = by_slug.keys().copied().collect();
    assert_eq!(
        page_slugs, descriptor_slugs,
        "one descriptor per published page, no more"
    );
    assert_eq!(pages.len(), 66);

    let mut combinations = 0usize;
    for page in &pages {
        let d = by_slug[page.slug.as_str()];
        assert_eq!(
            d.pricing.base_micro_cents.get(),
            page.base_micro_cents,
            "{}: base",
            page.slug
        );
        assert_eq!(d.pricing.flat, page.flat, "{}: flat", page.slug);
        let page_fields: Vec<&str> = page.factors.iter().map(|f| f.field.as_str()).collect();
        let descriptor_fields: Vec<&str> =
            d.pricing.factors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(descriptor_fields, page_fields, "{}: factors", page.slug);

        // Cartesian product of the page's options.
        let mut combos: Vec<Vec<(&str, &str, &str)>> = vec![vec![]];
        for factor in &page.factors {
            let mut next = Vec::new();
            for combo in &combos {
                for (option, multiplier) in &factor.multipliers {
                    let mut c = combo.clone();
                    c.push((
                        factor.field.as_str(),
                        option.as_str(),
                        multiplier.as_str().expect("string"),
                    ));
                    next.push(c);
                }
            }
            combos = next;
        }
        assert_eq!(
            Some(combos.len() as u64),
            d.combination_count(),
            "{}: combination count",
            page.slug
        );
        for combo in combos {
            let multipliers: Vec<&str> = combo.iter().map(|(_, _, m)| *m).collect();
            let expected = expected_price(page.base_micro_cents, &multipliers);
            let quote = d
                .price_with(|field| {
                    combo
                        .iter()
                        .find(|(f, _, _)| *f == field)
                        .map(|(_, o, _)| o.to_string())
                })
                .unwrap_or_else(|e| panic!("{}: {combo:?}: {e}", page.slug));
            assert_eq!(quote.total.get(), expected, "{}: {combo:?}", page.slug);
            assert!(quote.exact, "{}: {combo:?} needed rounding", page.slug);
            combinations += 1;
        }
    }
    println!(
        "checked {combinations} price combinations across {} models",
        pages.len()
    );
    assert!(combinations >= pages.len());
}

#[test]
fn documented_default_costs_are_reproduced() {
    let catalog = catalog();
    for page in pages() {
        let d = &catalog
            .iter()
            .find(|l| l.descriptor.slug == page.slug)
            .expect("descriptor")
            .descriptor;
        let assumes = &d.pricing.documented.assumes;
        let quote = d
            .price_with(|field| assumes.get(field).cloned())
            .expect("prices");
        assert_eq!(
            quote.total.get(),
            page.default_cost_micro_cents,
            "{}",
            page.slug
        );
        assert_eq!(
            d.pricing.documented.micro_cents.get(),
            page.default_cost_micro_cents,
            "{}",
            page.slug
        );
    }
}

#[test]
fn example_inputs_validate_and_price_from_their_own_options() {
    let catalog = catalog();
    let mut checked = 0;
    for page in pages() {
        let d = &catalog
            .iter()
            .find(|l| l.descriptor.slug == page.slug)
            .expect("descriptor")
            .descriptor;
        let violations = input::validate_input(d, &page.example_input);
        assert!(violations.is_empty(), "{}: {violations:?}", page.slug);
        let quote = input::quote_input(d, &page.example_input).expect("quotes");
        let multipliers: Vec<String> = page
            .factors
            .iter()
            .map(|f| {
                let option = match page.example_input.get(&f.field) {
                    Some(v) => kling_descriptor::model::wire_text(v),
                    None => d
                        .factor_default(&f.field)
                        .expect("a default for an unset factor"),
                };
                f.multipliers[&option].as_str().expect("string").to_string()
            })
            .collect();
        let multipliers: Vec<&str> = multipliers.iter().map(String::as_str).collect();
        assert_eq!(
            quote.total.get(),
            expected_price(page.base_micro_cents, &multipliers),
            "{}",
            page.slug
        );
        checked += 1;
    }
    println!("validated and priced {checked} example inputs");
}
