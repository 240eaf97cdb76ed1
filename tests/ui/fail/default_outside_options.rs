// A descriptor with default outside options is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/default-outside-options");

fn main() {}
