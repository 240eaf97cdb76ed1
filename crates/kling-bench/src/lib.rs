//! Campaigns and measurements shared by the `kling-bench` binary and the test suite.

pub mod chaos;
pub mod files;
pub mod process;
