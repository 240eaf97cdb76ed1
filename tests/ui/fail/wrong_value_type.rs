// `has_sound` travels as the string "true" but is a `bool` in Rust: a string does not compile.
use kling::models::kling_plus::kling_o3_standard::text_to_video::Input;

fn main() {
    let _input = Input::new("A kite over the sea").has_sound("true");
}
