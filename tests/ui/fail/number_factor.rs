// A factor on a number field passes the checks but the generator cannot price it: a compile error
// naming the file and JSON pointer, not a silent omission.
kling_macros::include_models!("catalogs/number-factor");

fn main() {}
