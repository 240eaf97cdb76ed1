// A descriptor with unknown type is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/unknown-type");

fn main() {}
