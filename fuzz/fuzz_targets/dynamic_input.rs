//! Any JSON input against real descriptors: violations or a price, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn catalog() -> &'static Vec<kling_descriptor::Descriptor> {
    static CATALOG: OnceLock<Vec<kling_descriptor::Descriptor>> = OnceLock::new();
    CATALOG.get_or_init(|| kling_sandbox::embedded_catalog().map(|c| c.into_values().collect()).unwrap_or_default())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(rest) else { return };
    let catalog = catalog();
    let Some(d) = catalog.get(usize::from(pick) % catalog.len().max(1)) else { return };
    let _ = kling_descriptor::input::validate_input(d, &json);
    let _ = kling_descriptor::input::quote_input(d, &json);
    if let Ok(id) = d.slug.parse::<kling::ModelId>()
        && let Ok(typed) = id.decode_input(json)
    {
        let _ = typed.validate();
        let _ = typed.cost_breakdown();
        let _ = typed.to_json();
    }
});
