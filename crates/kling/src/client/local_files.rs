//! Local files as inputs: a placeholder URL stands in for each file in any URL field while the
//! input is validated and priced; only then are the files uploaded and their URLs put in the
//! wire JSON that is submitted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::RngExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::transfer::{OnProgress, TransferProgress};
use super::uploads::{CheckedFile, check_file};
use super::wire::to_json;
use super::{Client, Error, Job, SubmitOptions, UploadedFile};
use crate::{AnyInput, MicroCents, Model};

/// The host of every placeholder: `.invalid` can never resolve, so a placeholder that reached
/// a server by mistake could not fetch anything.
const PLACEHOLDER_ORIGIN: &str = "https://local-file.invalid/";

/// Local files to upload for an input, each standing in as a placeholder URL until then.
///
/// ```no_run
/// use kling::client::{Client, LocalFiles, SubmitOptions};
/// use kling::models::kling::kling_omni_o1::image_to_video::Input;
///
/// # async fn demo(client: Client) -> Result<(), kling::client::Error> {
/// let mut files = LocalFiles::new();
/// let input = Input::new("the cat wakes up and stretches", files.path("./cat.png"));
/// // Validated and priced with the placeholder; then cat.png is uploaded and its URL sent.
/// let (job, uploaded) = client.submit_with_files(&input, &files, SubmitOptions::default()).await?;
/// println!("{} from {}", job.id, uploaded[0].file.url);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LocalFiles {
    /// Tells this set's placeholders from any other set's.
    set: String,
    paths: Vec<PathBuf>,
    on_progress: Option<OnProgress>,
}

impl std::fmt::Debug for LocalFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalFiles")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Default for LocalFiles {
    fn default() -> Self {
        Self::new()
    }
}

/// A file of a [`LocalFiles`] set that was uploaded for an input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The local file.
    pub path: PathBuf,
    /// Where its URL went in the wire input: JSON pointers such as `/image_url` or `/images/1`.
    pub fields: Vec<String>,
    /// The uploaded file, with the URL the input now holds.
    pub file: UploadedFile,
    /// How many bytes were uploaded.
    pub bytes: u64,
}

impl LocalFiles {
    /// An empty set.
    pub fn new() -> Self {
        let id: u64 = rand::rng().random();
        Self {
            set: format!("{id:016x}"),
            paths: Vec::new(),
            on_progress: None,
        }
    }

    /// An empty set whose placeholders follow from `key`: the same key and the same paths added
    /// in the same order give the same placeholders, in any process, on any run. For records
    /// that must recognise an input again by its text (a batch ledger compares each row's stored
    /// input with the next run's); derive the key from what the input was made of, so that a
    /// different input gets different placeholders. [`LocalFiles::new`] gives a set of its own
    /// each time instead.
    ///
    /// ```
    /// use kling::client::LocalFiles;
    ///
    /// let row = r#"cat-1 {"image_url":"@./cat.png"}"#;
    /// let (mut first, mut again) = (LocalFiles::keyed(row), LocalFiles::keyed(row));
    /// assert_eq!(first.path("./cat.png"), again.path("./cat.png"));
    /// assert_ne!(first.path("./cat.png"), LocalFiles::keyed("cat-2").path("./cat.png"));
    /// ```
    pub fn keyed(key: &str) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        Self {
            set: hex::encode(&digest[..16]),
            paths: Vec::new(),
            on_progress: None,
        }
    }

    /// Where `input` (in wire format) holds a local-file placeholder of any set, as a JSON
    /// pointer (`/image_url`, `/images/1`): an input that must not be sent as it is, since the
    /// placeholder names a file that was never uploaded.
    pub fn placeholder_in(input: &Value) -> Option<String> {
        let mut first = None;
        walk(input, &mut String::new(), &mut |text, pointer| {
            if first.is_none() && text.starts_with(PLACEHOLDER_ORIGIN) {
                first = Some(pointer.to_string());
            }
            Ok(())
        })
        .ok()?;
        first
    }

    /// Reports each upload's progress (the [`TransferProgress`] names the file).
    #[must_use]
    pub fn on_progress(
        mut self,
        on_progress: impl Fn(&TransferProgress<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.on_progress = Some(Arc::new(on_progress));
        self
    }

    /// A placeholder URL for the file at `path`, to put in any URL field of an input: it is a
    /// valid https URL, unique to this set and file (the same path gives the same one). Nothing
    /// is read yet.
    pub fn path(&mut self, path: impl AsRef<Path>) -> String {
        let path = path.as_ref();
        let index = match self.paths.iter().position(|p| p == path) {
            Some(index) => index,
            None => {
                self.paths.push(path.to_path_buf());
                self.paths.len() - 1
            }
        };
        format!("{PLACEHOLDER_ORIGIN}{}/{index}", self.set)
    }

    /// The files of the set, in the order they were added.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Whether the set has no file.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Checks every file without sending anything: it can be read, its type is one the API
    /// accepts, and it is within the cap of its kind (see [`Client::upload_path`]).
    pub async fn check(&self) -> Result<(), Error> {
        for path in &self.paths {
            check_file(path).await?;
        }
        Ok(())
    }

    /// Uploads the files whose placeholders `input` holds (in a wire-format input, at any
    /// depth) and puts their URLs in place of the placeholders. Every file used is checked
    /// before the first is sent. A placeholder of another set is refused ([`Error::Encode`])
    /// before anything is sent.
    pub async fn upload_into(
        &self,
        client: &Client,
        input: &mut Value,
    ) -> Result<Vec<Uploaded>, Error> {
        let mut found = Vec::new();
        self.find(input, &mut String::new(), &mut found)?;
        let mut used: Vec<(usize, Vec<String>)> = Vec::new();
        for (index, pointer) in found {
            match used.iter_mut().find(|(i, _)| *i == index) {
                Some((_, fields)) => fields.push(pointer),
                None => used.push((index, vec![pointer])),
            }
        }
        let mut checked: Vec<CheckedFile> = Vec::new();
        for (index, _) in &used {
            checked.push(check_file(&self.paths[*index]).await?);
        }
        let mut uploaded = Vec::new();
        for ((index, fields), file) in used.into_iter().zip(checked) {
            let (path, bytes) = (file.path.clone(), file.len);
            let file = client.upload_file(file, self.on_progress.clone()).await?;
            let placeholder = format!("{PLACEHOLDER_ORIGIN}{}/{index}", self.set);
            replace(input, &placeholder, &file.url);
            uploaded.push(Uploaded {
                path,
                fields,
                file,
                bytes,
            });
        }
        Ok(uploaded)
    }

    /// Every placeholder in `value`: the index of its file and the JSON pointer where it is.
    fn find(
        &self,
        value: &Value,
        pointer: &mut String,
        found: &mut Vec<(usize, String)>,
    ) -> Result<(), Error> {
        walk(value, pointer, &mut |text, pointer| {
            let Some(rest) = text.strip_prefix(PLACEHOLDER_ORIGIN) else {
                return Ok(());
            };
            let index = rest
                .strip_prefix(&self.set)
                .and_then(|r| r.strip_prefix('/'))
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < self.paths.len());
            let Some(index) = index else {
                return Err(Error::Encode {
                    operation: "upload",
                    message: format!(
                        "`{text}` at {pointer} is a local-file placeholder of another LocalFiles set"
                    ),
                });
            };
            found.push((index, pointer.to_string()));
            Ok(())
        })
    }

    /// Uploads the files whose placeholders `input` holds and returns the input with their
    /// URLs in place of the placeholders, as [`LocalFiles::upload_into`] does for a wire-format
    /// input. The input is not validated again: [`Client::submit_any_with_files`] does that
    /// and checks the budget first.
    pub async fn upload_any(
        &self,
        client: &Client,
        input: &AnyInput,
    ) -> Result<(AnyInput, Vec<Uploaded>), Error> {
        let mut json = input.to_json().map_err(|e| Error::Encode {
            operation: "submit",
            message: format!("the input does not serialize to JSON: {e}"),
        })?;
        let uploaded = self.upload_into(client, &mut json).await?;
        let resolved = input.model().decode_input(json).map_err(undecodable)?;
        Ok((resolved, uploaded))
    }
}

/// Calls `visit` with every string of `value` and the JSON pointer where it is, at any depth.
fn walk<'v>(
    value: &'v Value,
    pointer: &mut String,
    visit: &mut impl FnMut(&'v str, &str) -> Result<(), Error>,
) -> Result<(), Error> {
    let at = pointer.len();
    match value {
        Value::String(text) => visit(text, pointer)?,
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointer.push_str(&format!("/{i}"));
                walk(item, pointer, visit)?;
                pointer.truncate(at);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                walk(member, pointer, visit)?;
                pointer.truncate(at);
            }
        }
        _ => {}
    }
    Ok(())
}

/// An input that no longer decodes once its URLs are in: only a URL the model refuses can do it.
fn undecodable(e: crate::DecodeError) -> Error {
    Error::Encode {
        operation: "submit",
        message: format!("the input with uploaded URLs does not decode: {e}"),
    }
}

/// Puts `url` wherever `placeholder` is, at any depth.
fn replace(value: &mut Value, placeholder: &str, url: &str) {
    match value {
        Value::String(text) if text == placeholder => *text = url.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, placeholder, url)),
        Value::Object(members) => members
            .values_mut()
            .for_each(|v| replace(v, placeholder, url)),
        _ => {}
    }
}

impl Client {
    /// Submits a typed input whose URL fields may hold placeholders of `files`
    /// ([`LocalFiles::path`]). The input is validated and priced first, with the placeholders,
    /// and the webhook URL and budget checked, so nothing is uploaded for an input that would
    /// be refused; then the files it uses are uploaded, their URLs replace the placeholders,
    /// and the input is submitted as [`Client::submit_with`] does.
    pub async fn submit_with_files<M: Model>(
        &self,
        input: &M,
        files: &LocalFiles,
        options: SubmitOptions,
    ) -> Result<(Job, Vec<Uploaded>), Error> {
        input.validate().map_err(Error::InvalidInput)?;
        self.refuse_early(input.cost(), &options)?;
        let mut json = to_json("submit", input)?;
        let uploaded = files.upload_into(self, &mut json).await?;
        let resolved: M = crate::__private::decode(json).map_err(undecodable)?;
        Ok((self.submit_with(&resolved, options).await?, uploaded))
    }

    /// [`Client::submit_with_files`] for an input of any model.
    pub async fn submit_any_with_files(
        &self,
        input: &AnyInput,
        files: &LocalFiles,
        options: SubmitOptions,
    ) -> Result<(Job, Vec<Uploaded>), Error> {
        input.validate().map_err(Error::InvalidInput)?;
        self.refuse_early(input.cost(), &options)?;
        let (resolved, uploaded) = files.upload_any(self, input).await?;
        Ok((self.submit_any(&resolved, options).await?, uploaded))
    }

    /// Refuses what the submit would refuse before anything is uploaded for it.
    fn refuse_early(&self, cost: MicroCents, options: &SubmitOptions) -> Result<(), Error> {
        if let Some(budget) = options.budget.or(self.inner.budget)
            && cost > budget
        {
            return Err(Error::OverBudget { cost, budget });
        }
        if let Some(url) = &options.webhook_url {
            super::jobs::check_webhook_url(url)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_valid_urls_unique_per_set_and_file() {
        let (mut a, mut b) = (LocalFiles::new(), LocalFiles::new());
        let cat = a.path("./cat.png");
        assert!(kling_descriptor::input::is_http_url(&cat), "{cat}");
        assert_eq!(a.path("./cat.png"), cat);
        assert_ne!(a.path("./dog.png"), cat);
        assert_ne!(b.path("./cat.png"), cat);
        assert_eq!(a.paths().len(), 2);
    }

    #[test]
    fn keyed_sets_give_the_same_placeholders_for_the_same_key_and_paths() {
        let (mut a, mut b) = (LocalFiles::keyed("row 1"), LocalFiles::keyed("row 1"));
        assert_eq!(a.path("cat.png"), b.path("cat.png"));
        assert_eq!(a.path("dog.png"), b.path("dog.png"));
        let cat = a.path("cat.png");
        assert!(kling_descriptor::input::is_http_url(&cat), "{cat}");
        assert_ne!(LocalFiles::keyed("row 2").path("cat.png"), cat);
        assert_ne!(LocalFiles::new().path("cat.png"), cat);
        // Another order is another set of placeholders.
        let mut c = LocalFiles::keyed("row 1");
        assert_ne!(c.path("dog.png"), b.path("dog.png"));
    }

    #[test]
    fn a_placeholder_of_any_set_is_found() {
        let placeholder = LocalFiles::keyed("k").path("cat.png");
        let input = serde_json::json!({
            "prompt": "https://local-file.example/not-one",
            "elements": [{"images": ["https://e.com/a.png", placeholder]}],
        });
        assert_eq!(
            LocalFiles::placeholder_in(&input).as_deref(),
            Some("/elements/0/images/1")
        );
        let plain = serde_json::json!({"image_url": "https://e.com/a.png"});
        assert_eq!(LocalFiles::placeholder_in(&plain), None);
    }

    #[test]
    fn placeholders_are_found_at_any_depth_and_replaced() {
        let mut files = LocalFiles::new();
        let (cat, dog) = (files.path("cat.png"), files.path("dog.png"));
        let mut input = serde_json::json!({
            "prompt": "two pets",
            "images": [cat, "https://example.com/x.png", dog],
            "elements": [{"a/b": [cat]}],
        });
        let mut found = Vec::new();
        files.find(&input, &mut String::new(), &mut found).unwrap();
        assert_eq!(
            found,
            [
                (0, "/images/0".to_string()),
                (1, "/images/2".to_string()),
                (0, "/elements/0/a~1b/0".to_string()),
            ]
        );
        replace(&mut input, &cat, "https://cdn.example/cat.png");
        assert_eq!(input["images"][0], "https://cdn.example/cat.png");
        assert_eq!(
            input["elements"][0]["a/b"][0],
            "https://cdn.example/cat.png"
        );
        assert_eq!(input["images"][2], dog);

        let other = LocalFiles::new().path("x.png");
        let Err(Error::Encode { message, .. }) = files.find(
            &serde_json::json!({"image_url": other}),
            &mut String::new(),
            &mut found,
        ) else {
            panic!()
        };
        assert!(message.contains("another LocalFiles set"), "{message}");
    }
}
