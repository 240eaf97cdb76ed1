//! The parts of the `kling` command that other code (fuzzing, tests) exercises directly.

pub mod fields;
pub mod nearest;
