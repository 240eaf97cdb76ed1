//! The maintainers' tasks for this workspace, one module per `cargo xtask` command:
//!
//! - [`check`]: validate every descriptor and fail when generated files are stale;
//! - [`schema`]: regenerate `schemas/descriptor.schema.json` from the Rust types;
//! - [`expand`]: print the formatted code generated for one model;
//! - [`new_model`]: scaffold a valid descriptor from flags;
//! - [`import`]: draft descriptors from PixelByte model pages (MDX or rendered text);
//! - [`verify_import`]: report what changed upstream, page by page (`drift` compares);
//! - [`catalog`]: regenerate `docs/MODELS.md`;
//! - [`bench`](mod@bench): the benchmarks (see BENCHMARKS.md);
//! - [`chaos`]: the fault campaign (see SECURITY.md);
//! - [`deny`]: the supply-chain check CI runs (cargo-deny; see SECURITY.md);
//! - [`fuzz`]: the fuzz targets under `fuzz/` (nightly, cargo-fuzz).
//!
//! `main.rs` only reads the command line. This is a library so that the fuzz targets can reach the
//! importer.

pub mod bench;
pub mod catalog;
pub mod chaos;
pub mod check;
pub mod deny;
pub mod expand;
pub mod fuzz;
pub mod import;
pub mod new_model;
pub mod schema;
pub mod verify_import;

mod descriptor_file;
mod drift;
mod paths;
mod process;
mod typing;
