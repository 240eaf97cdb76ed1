//! Progress bars of uploads and downloads: one bar per file, drawn only on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use kling::client::TransferProgress;

/// The file being transferred and its bar.
type Current = Option<(PathBuf, ProgressBar)>;

/// The bar of the file being transferred; a new file replaces it. Cheap to clone, so that an
/// upload's progress callback can own one.
#[derive(Clone)]
pub struct TransferBars {
    verb: &'static str,
    /// `None` when nothing is drawn (not a terminal, or JSON output).
    current: Option<Arc<Mutex<Current>>>,
}

impl TransferBars {
    /// Bars that say `verb` ("Uploading"), drawn when stdout is a terminal and not `--json`.
    pub fn new(verb: &'static str, json_out: bool) -> Self {
        let shown = !json_out && std::io::stdout().is_terminal();
        TransferBars {
            verb,
            current: shown.then(|| Arc::new(Mutex::new(None))),
        }
    }

    /// Bars that are never drawn (where something else draws the progress).
    pub fn hidden() -> Self {
        TransferBars {
            verb: "",
            current: None,
        }
    }

    /// Moves the bar of `p`'s file, starting a bar when the file is new.
    pub fn update(&self, p: &TransferProgress<'_>) {
        let Some(current) = &self.current else {
            return;
        };
        let mut current = current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|(path, _)| path != p.path) {
            if let Some((_, old)) = current.take() {
                old.finish_and_clear();
            }
            let name = p.path.file_name().map_or_else(
                || p.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let bar = ProgressBar::new(p.total.unwrap_or(0));
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{wide_bar}] {bytes}/{total_bytes} ({binary_bytes_per_sec})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(format!("{} {name}", self.verb));
            *current = Some((p.path.to_path_buf(), bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.done);
        }
    }

    /// Clears the last bar.
    pub fn finish(&self) {
        if let Some(current) = &self.current
            && let Some((_, bar)) = current.lock().unwrap_or_else(|e| e.into_inner()).take()
        {
            bar.finish_and_clear();
        }
    }
}
