//! Batches of paid Kling jobs: hundreds of rows under one budget, resumable after any crash,
//! each row paid for once.
//!
//! A batch is a JSONL file, one row a line: `{"id": "…", "model": "<slug>", "input": {…}}`.
//! [`Plan::from_jsonl`] validates and prices every row through the generated types before
//! anything is sent; [`Ledger`] records the batch in one SQLite file and every step of every
//! row; [`Runner::run`] drives the rows to the end with at most N jobs in flight, never above
//! the budget, reconciling every submit whose answer was lost instead of sending it again.
//! Running the same batch again on the same ledger continues where it stopped. Rows may name
//! local files through `kling::client::LocalFiles` placeholders: [`Runner::with_local_files`]
//! uploads them just before each row's submit.
//!
//! ```no_run
//! use kling::MicroCents;
//! use kling_batch::{Ledger, Plan, RunOptions, Runner};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let plan = Plan::from_jsonl(&std::fs::read_to_string("clips.jsonl")?)?;
//! let budget = MicroCents::from_usd("25.00")?;
//! plan.check_budget(budget)?; // refuses the whole run, nothing sent
//! let mut ledger = Ledger::open("clips.ledger")?;
//! ledger.record_plan(&plan)?; // refuses rows whose input changed since the last run
//!
//! let runner = Runner::new(kling::Client::from_env()?, RunOptions::default().budget(budget));
//! let stop = runner.stop_handle(); // e.g. `stop.drain(false)` from a Ctrl-C handler
//! # drop(stop);
//! let summary = runner
//!     .run(&mut ledger, |event, progress| eprintln!("{event:?} ({}/{})", progress.completed, progress.rows))
//!     .await?;
//! println!("{}", serde_json::to_string(&summary)?);
//! # Ok(()) }
//! ```

mod download;
mod events;
mod ledger;
mod plan;
mod report;
mod run;

pub use download::{DownloadError, DownloadFuture, Downloader};
pub use events::{Event, Progress};
pub use ledger::{Ledger, LedgerError};
pub use plan::{Plan, PlanError, PlannedRow, RowProblem};
pub use report::{BatchOutcome, RowRecord, RowStatus, Summary};
pub use run::{RunError, RunOptions, Runner, StopHandle};
