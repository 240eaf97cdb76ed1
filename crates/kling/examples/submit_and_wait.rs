//! Submit a job and wait for its video.
//!
//! With `PIXELBYTE_API_KEY` set this talks to PixelByte (and spends money); without it, it starts
//! an in-process sandbox so you can see the whole flow for free:
//!
//! ```sh
//! cargo run -p kling --example submit_and_wait
//! ```

use kling::client::{Client, Outcome, WaitOptions};
use kling::models::kling_plus::kling_o3_standard::text_to_video::{AspectRatio, Duration, Input};
use kling::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = match Client::from_env() {
        Ok(client) => (client, None),
        Err(_) => {
            let config = kling_sandbox::SandboxConfig {
                speed: 100.0,
                ..Default::default()
            };
            let sandbox = kling_sandbox::Sandbox::start(config).await?;
            println!(
                "PIXELBYTE_API_KEY is not set: using a local sandbox at {}",
                sandbox.base_url()
            );
            let client = Client::builder()
                .api_key(sandbox.api_key())
                .base_url(sandbox.base_url())
                .build()?;
            (client, Some(sandbox))
        }
    };

    let input = Input::new("A paper boat drifts down a rainy street at dusk")
        .aspect_ratio(AspectRatio::Ratio9_16)
        .duration(Duration::Seconds5);
    input.validate()?;
    println!("price: {}", input.cost_breakdown());

    let job = client.submit(&input).await?;
    println!("submitted {} (charged {})", job.id, job.cost);
    let outcome = client
        .wait_with_progress(&job, WaitOptions::default(), |p| {
            println!("  {} after {:.1?} ({} polls)", p.status, p.elapsed, p.polls);
        })
        .await?;
    match outcome {
        Outcome::Completed(done) => println!("video: {}", done.outputs[0].url),
        Outcome::Failed { error, .. } => {
            println!("failed: {} {} (refunded)", error.code, error.message)
        }
        Outcome::Cancelled(_) => println!("cancelled"),
        Outcome::TimedOut { job_id, .. } => println!("still running: check {job_id} later"),
        other => println!("{other:?}"),
    }
    Ok(())
}
