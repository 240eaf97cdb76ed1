// Options are closed enums: an option the model does not have does not compile.
use kling::models::kling_plus::kling_2_1_master::text_to_video::{Duration, Input};

fn main() {
    let _input = Input::new("A kite over the sea").duration(Duration::Seconds7);
}
