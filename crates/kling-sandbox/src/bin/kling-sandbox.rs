//! `kling-sandbox`: a local PixelByte-compatible API for Kling models, in the foreground.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "kling-sandbox",
    version,
    about = "A local PixelByte-compatible jobs API for Kling models"
)]
struct Cli {
    #[command(flatten)]
    sandbox: kling_sandbox::SandboxArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.sandbox.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
