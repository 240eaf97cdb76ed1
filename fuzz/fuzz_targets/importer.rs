//! Any page text, read as MDX and as a rendered page: a draft or an error message, never a panic;
//! a draft always serializes and prices its defaults without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xtask::import::{Form, draft_as};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for form in [Form::Mdx, Form::Rendered] {
        if let Ok(draft) = draft_as(&text, form, None) {
            let d = &draft.descriptor;
            let _ = serde_json::to_string(d);
            let _ = d.price_with(|_| None);
            for item in &draft.review {
                let _ = item.to_string();
            }
        }
    }
});
