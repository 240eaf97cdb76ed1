//! `kling completions`: a shell's completion script, from the clap definition.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::fail::Fail;

/// Prints the completion script for `shell`.
pub fn print(shell: Shell) -> Result<(), Fail> {
    clap_complete::generate(shell, &mut Cli::command(), "kling", &mut std::io::stdout());
    Ok(())
}
