// A required field is a constructor argument: leaving it out does not compile.
use kling::models::kling_plus::kling_o3_standard::video_edit::Input;

fn main() {
    let _input = Input::new("Replace the sky with a sunset");
}
