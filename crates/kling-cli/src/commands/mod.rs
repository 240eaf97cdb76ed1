//! One module per command group; [`run`] sends each command to its module.

mod batch;
mod completions;
mod config;
mod download;
mod jobs;
mod models;
mod sandbox;
mod submit;
mod upload;
mod webhook;

use crate::cli::{Cli, Command, ConfigCommand, WebhookCommand};
use crate::fail::Fail;

/// Runs the command the line names.
pub async fn run(cli: &Cli) -> Result<(), Fail> {
    let json = cli.json;
    match &cli.command {
        Command::Models => models::list(json),
        Command::Show { slug } => models::show(slug, json),
        Command::Schema { slug } => models::schema(slug),
        Command::Price(args) => models::price(args, json),
        Command::Submit(args) => submit::submit(cli, args).await,
        Command::Wait {
            id,
            timeout,
            output_dir,
        } => submit::wait(cli, id, *timeout, output_dir.as_deref()).await,
        Command::Download { id, output_dir } => download::download(cli, id, output_dir).await,
        Command::Status { id } => jobs::status(cli, id).await,
        Command::Cancel { id } => jobs::cancel(cli, id).await,
        Command::Jobs(args) => jobs::list(cli, args).await,
        Command::Upload { file } => upload::upload(cli, file).await,
        Command::Batch(command) => batch::command(cli, command).await,
        Command::Webhook(WebhookCommand::Verify {
            secrets,
            timestamp,
            signature,
            body_file,
        }) => webhook::verify(secrets, timestamp, signature, body_file, json),
        Command::Webhook(WebhookCommand::Listen {
            port,
            secrets,
            forward_to,
        }) => webhook::listen(*port, secrets, forward_to.as_deref(), json).await,
        Command::Config(ConfigCommand::Show) => config::show(cli),
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Completions { shell } => completions::print(*shell),
    }
}
