//! One module per command group; [`run`] sends each command to its module.

mod completions;
mod download;
mod jobs;
mod models;
mod sandbox;
mod submit;
mod upload;
mod webhook;

use crate::cli::{Cli, Command, WebhookCommand};
use crate::fail::Fail;

/// Runs the command the line names.
pub async fn run(cli: &Cli) -> Result<(), Fail> {
    match &cli.command {
        Command::Models(flag) => models::list(flag.json),
        Command::Show { slug, json } => models::show(slug, json.json),
        Command::Schema { slug } => models::schema(slug),
        Command::Price(args) => models::price(args),
        Command::Submit(args) => submit::submit(cli, args).await,
        Command::Wait {
            id,
            timeout,
            output_dir,
            json,
        } => submit::wait(cli, id, *timeout, output_dir.as_deref(), json.json).await,
        Command::Download {
            id,
            output_dir,
            json,
        } => download::download(cli, id, output_dir, json.json).await,
        Command::Status { id, json } => jobs::status(cli, id, json.json).await,
        Command::Cancel { id, json } => jobs::cancel(cli, id, json.json).await,
        Command::Jobs(args) => jobs::list(cli, args).await,
        Command::Upload { file, json } => upload::upload(cli, file, json.json).await,
        Command::Webhook(WebhookCommand::Verify {
            secret,
            timestamp,
            signature,
            body_file,
        }) => webhook::verify(secret, timestamp, signature, body_file),
        Command::Webhook(WebhookCommand::Listen { port, secret }) => {
            webhook::listen(*port, secret).await
        }
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Completions { shell } => completions::print(*shell),
    }
}
