//! Campaigns shared by the `kling-bench` binary and the test suite.

pub mod batch_load;
pub mod chaos;
pub mod chaos_batch;
pub mod workload;
