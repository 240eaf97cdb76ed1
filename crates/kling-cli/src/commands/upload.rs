//! `kling upload`: a local file in, the URL to use in an input out.

use std::path::Path;

use crate::cli::Cli;
use crate::fail::Fail;
use crate::output::{UploadedView, emit};
use crate::session::Session;
use crate::transfer_bar::TransferBars;

/// Uploads `file` and prints its URL.
pub async fn upload(cli: &Cli, file: &Path) -> Result<(), Fail> {
    let s = Session::start(cli).await?;
    let bars = TransferBars::new("Uploading", cli.json);
    let uploaded = s
        .client
        .upload_path_with_progress(file, {
            let bars = bars.clone();
            move |p| bars.update(p)
        })
        .await;
    bars.finish();
    let uploaded = uploaded.map_err(|e| match e {
        // The file could not be read: a mistake on the command line, and nothing was stored.
        kling::client::Error::Io { .. } => Fail::usage(e.to_string()).with_code("file_unreadable"),
        e => e.into(),
    })?;
    emit(&UploadedView::from(&uploaded), cli.json)
}
