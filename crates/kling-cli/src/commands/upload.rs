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
    emit(&UploadedView::from(&uploaded?), cli.json)
}
