//! Any `field=value` arguments for a real model: an input or messages, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn model() -> Option<&'static kling_descriptor::Descriptor> {
    static MODEL: OnceLock<Option<kling_descriptor::Descriptor>> = OnceLock::new();
    MODEL
        .get_or_init(|| kling_sandbox::embedded_catalog().ok()?.remove("kling-plus/kling-o3-standard/reference-to-video"))
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(d) = model() else { return };
    let text = String::from_utf8_lossy(data);
    let args: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let _ = kling_cli::fields::build_input(d, None, &args);
});
