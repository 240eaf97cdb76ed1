// A descriptor with rust name collision is a compile error naming its file and JSON pointer.
kling_macros::include_models!("catalogs/rust-name-collision");

fn main() {}
