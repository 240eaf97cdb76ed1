// A descriptor with multiplier options mismatch is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/multiplier-options-mismatch");

fn main() {}
