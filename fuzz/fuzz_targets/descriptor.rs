//! Descriptor text → parse → checks → code generation: refused or generated, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rel = "kling/fuzz/text-to-video.json";
    let Ok(descriptor) = kling_descriptor::load::parse(rel.as_ref(), text) else { return };
    let problems = kling_descriptor::check::check_descriptor(rel.as_ref(), Some(rel), &descriptor);
    let checked = !problems.iter().any(|p| p.is_error());
    // The generator must refuse what it cannot express, checked or not, without panicking.
    let loaded = kling_descriptor::load::Loaded { relative_path: rel.into(), file: rel.into(), descriptor };
    let module = kling_codegen::model_module(&loaded, &kling_codegen::Options::default());
    let catalog = kling_codegen::catalog(std::slice::from_ref(&loaded), &kling_codegen::Options::default());
    if checked {
        let _ = module.map(|m| m.to_string());
        let _ = catalog.map(|c| c.to_string());
    }
});
