//! The whole catalog, generated outside `kling`, compiles without a single warning.
#![deny(warnings)]

kling_macros::include_models!("../../../schemas");

fn main() {
    assert_eq!(ModelId::ALL.len(), 66);
    for id in ModelId::iter() {
        assert_eq!(id.slug().parse::<ModelId>().map(ModelId::slug), Ok(id.slug()));
    }
}
