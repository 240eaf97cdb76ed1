//! How a run shows itself: on a terminal, a two-line display (rows done, then running, failed,
//! spent of the budget and the ETA) with each notable event printed above it; otherwise one
//! line per event, as text or (`--json`) as a JSON object.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use kling_batch::{Event, Progress};

use crate::output::batch::EventView;
use crate::output::print_json_line;

/// Where the events of a run go.
pub enum Display {
    /// indicatif bars on stderr (stdout is a terminal and the output is text).
    Bars {
        multi: MultiProgress,
        done: ProgressBar,
        status: ProgressBar,
    },
    /// One line per event on stdout.
    Lines {
        /// JSON objects instead of text.
        json: bool,
    },
}

impl Display {
    /// Bars when stdout is a terminal and not `--json`, else lines.
    pub fn new(json_out: bool) -> Self {
        if json_out || !std::io::stdout().is_terminal() {
            return Display::Lines { json: json_out };
        }
        let multi = MultiProgress::new();
        let done = multi.add(ProgressBar::new(0));
        done.set_style(
            ProgressStyle::with_template("[{bar:40}] {pos}/{len} rows done")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let status = multi.add(ProgressBar::new_spinner());
        status.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        status.enable_steady_tick(Duration::from_millis(120));
        Display::Bars {
            multi,
            done,
            status,
        }
    }

    /// Shows one event and where the batch stands after it.
    pub fn show(&self, event: &Event, progress: &Progress) {
        let view = EventView::of(event, progress);
        match self {
            Display::Lines { json: true } => {
                if let Some(view) = view {
                    // A closed stdout must not stop the run: the ledger records everything.
                    let _ = print_json_line(&view);
                }
            }
            Display::Lines { json: false } => {
                if let Some(view) = view {
                    println!("{view}");
                }
            }
            Display::Bars {
                multi,
                done,
                status,
            } => {
                // Submits are counted in the display; every other step gets a line.
                if let Some(view) = view
                    && !matches!(event, Event::Submitted { .. })
                {
                    let _ = multi.println(view.to_string());
                }
                done.set_length(progress.rows as u64);
                let finished = progress.completed + progress.failed + progress.cancelled;
                done.set_position(finished as u64);
                status.set_message(standing(progress));
            }
        }
    }

    /// Clears the bars, if any.
    pub fn finish(&self) {
        if let Display::Bars { done, status, .. } = self {
            status.finish_and_clear();
            done.finish_and_clear();
        }
    }
}

/// The status line: running, failed, cancelled, unknown, spent of the budget, ETA.
fn standing(p: &Progress) -> String {
    let mut line = format!("{} running, {} failed", p.running, p.failed);
    if p.cancelled > 0 {
        line.push_str(&format!(", {} cancelled", p.cancelled));
    }
    if p.unknown > 0 {
        line.push_str(&format!(", {} unknown", p.unknown));
    }
    line.push_str(&format!(" · spent {}", p.spent));
    if let Some(budget) = p.budget {
        line.push_str(&format!(" of {budget}"));
    }
    if let Some(eta) = p.eta {
        let eta = humantime::format_duration(Duration::from_secs(eta.as_secs()));
        line.push_str(&format!(" · about {eta} left"));
    }
    line
}

#[cfg(test)]
mod tests {
    use kling::MicroCents;

    use super::*;

    #[test]
    fn the_status_line_says_what_runs_what_failed_and_what_was_spent_of_what() {
        let mut p = Progress::default();
        p.running = 3;
        p.failed = 1;
        p.unknown = 2;
        p.spent = MicroCents::new(1_260_000);
        p.budget = Some(MicroCents::new(5_000_000));
        p.eta = Some(Duration::from_millis(130_400));
        assert_eq!(
            standing(&p),
            "3 running, 1 failed, 2 unknown · spent $1.26 of $5.00 · about 2m 10s left"
        );
    }
}
