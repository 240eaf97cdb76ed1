// A descriptor with duplicate field is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/duplicate-field");

fn main() {}
