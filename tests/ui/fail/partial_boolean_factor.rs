// A factor pricing only `true` of a boolean passes the checks, but a `bool` can still be `false`:
// the generator refuses it with the file and JSON pointer instead of emitting an incomplete match.
kling_macros::include_models!("catalogs/partial-boolean-factor");

fn main() {}
