//! `kling config show`: the settings in effect, secrets masked, each with where it came from.

use crate::cli::Cli;
use crate::config::Settings;
use crate::fail::Fail;
use crate::output::{SettingsView, emit};
use crate::session;

/// Prints the effective settings (what a command without `--sandbox` would use).
pub fn show(cli: &Cli) -> Result<(), Fail> {
    let settings = Settings::load(session::flags(cli))?;
    emit(&SettingsView::from(&settings), cli.json)
}
