//! `kling upload`: a local file in, the URL to use in an input out.

use std::path::Path;

use crate::cli::Cli;
use crate::fail::Fail;
use crate::output::{UploadedView, emit};
use crate::session::Session;

/// Uploads `file` and prints its URL.
pub async fn upload(cli: &Cli, file: &Path) -> Result<(), Fail> {
    let s = Session::start(cli).await?;
    let uploaded = s.client.upload_path(file).await?;
    emit(&UploadedView::from(&uploaded), cli.json)
}
