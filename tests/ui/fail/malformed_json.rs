// A descriptor with malformed json is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/malformed-json");

fn main() {}
