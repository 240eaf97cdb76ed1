//! `kling download`, and the `-o DIR` of `kling submit --wait` and `kling wait`: every output
//! file of a completed job (video, thumbnail, poster) into `DIR/<job id>/`, with its SHA-256.

use std::io::Read;
use std::path::{Path, PathBuf};

use kling::api::JobStatus;
use kling::client::{Client, JobState};
use sha2::{Digest, Sha256};

use crate::cli::Cli;
use crate::fail::Fail;
use crate::output::{DownloadView, SavedFileView, emit};
use crate::session::Session;
use crate::transfer_bar::TransferBars;

/// `kling download`: the files of a completed job.
pub async fn download(cli: &Cli, id: &str, dir: &Path) -> Result<(), Fail> {
    let json_out = cli.json;
    let s = Session::start(cli).await?;
    let state = s.client.job(id).await?;
    match state.status {
        JobStatus::Completed => {}
        JobStatus::Failed | JobStatus::Cancelled => {
            return Err(Fail::job_failed(
                "no_files",
                format!("job {id} is {}: it has no files", state.status),
            ));
        }
        _ => {
            return Err(Fail::other(
                "not_completed",
                format!(
                    "job {id} is {}: no files yet; `kling wait {id} -o {}` downloads them when it completes",
                    state.status,
                    dir.display()
                ),
            ));
        }
    }
    let files = save(&s.client, &state, dir, json_out).await?;
    emit(&DownloadView::new(&state.id, &files), json_out)
}

/// Downloads every output file of the completed job `state` into `dir/<job id>/`; a complete
/// copy already there is kept.
pub async fn save(
    client: &Client,
    state: &JobState,
    dir: &Path,
    json_out: bool,
) -> Result<Vec<SavedFileView>, Fail> {
    let into = dir.join(job_dir(&state.id)?);
    let bars = TransferBars::new("Downloading", json_out);
    let again = format!(
        "run `kling download {} -o {}` to try again",
        state.id,
        dir.display()
    );
    let saved = save_into(client, state, &into, &bars, &again).await;
    bars.finish();
    saved
}

/// Downloads every output file of the completed job `state` into the folder `into`, each with
/// its SHA-256; a complete copy already there is kept. A failed download says `again`, how to
/// try again.
pub async fn save_into(
    client: &Client,
    state: &JobState,
    into: &Path,
    bars: &TransferBars,
    again: &str,
) -> Result<Vec<SavedFileView>, Fail> {
    let mut saved = Vec::new();
    for file in state.output_files() {
        let path = into.join(&file.name);
        let downloaded = client
            .download_to_with_progress(&file.url, &path, |p| bars.update(p))
            .await
            .map_err(|e| {
                Fail::other(
                    "download_failed",
                    format!(
                        "cannot download {} of job {}: {e}; {again}",
                        file.name, state.id
                    ),
                )
            })?;
        let sha256 = sha256_of(downloaded.path.clone()).await?;
        saved.push(SavedFileView::new(
            downloaded.path.display().to_string(),
            file.url,
            downloaded.bytes,
            sha256,
            !downloaded.fetched,
        ));
    }
    Ok(saved)
}

/// The job id as a directory name: refused when it would lead anywhere else.
fn job_dir(id: &str) -> Result<&str, Fail> {
    let plain = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain && !id.is_empty() && !id.starts_with('.') {
        Ok(id)
    } else {
        Err(Fail::usage(format!(
            "the job id `{id}` cannot name a directory; nothing was downloaded"
        )))
    }
}

/// The SHA-256 of a file, in hex, read a block at a time.
async fn sha256_of(path: PathBuf) -> Result<String, Fail> {
    let shown = path.display().to_string();
    let hashed = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Sha256::new();
        let mut block = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut block)?;
            if n == 0 {
                return Ok(hex::encode(hasher.finalize()));
            }
            hasher.update(&block[..n]);
        }
    })
    .await
    .map_err(|e| Fail::other("io", format!("cannot hash {shown}: {e}")))?;
    hashed.map_err(|e| Fail::other("io", format!("cannot hash {shown}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_job_ids_name_a_directory() {
        assert!(job_dir("job_0123abc").is_ok());
        for bad in ["", ".", "..", "../x", "a/b", ".hidden", "a\\b"] {
            assert!(job_dir(bad).is_err(), "{bad:?}");
        }
    }
}
