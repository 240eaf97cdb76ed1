// A descriptor with factor on missing field is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/factor-on-missing-field");

fn main() {}
