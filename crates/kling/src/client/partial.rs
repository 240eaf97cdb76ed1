//! The temporary file a download fills (`.NAME.part` beside the target): renamed into place only
//! when complete, removed otherwise, also when the download is dropped half-way.
//!
//! The writes go to the blocking pool a buffer at a time, the file moving in and out of each
//! trip. A trip costs more than the calls it makes, so a download makes as many as a bare
//! buffered writer would: one to look at the target and open the file, one per buffer, and one
//! for the last bytes and the rename together.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::Error;

/// How much is gathered before each write to the file.
const BUFFER: usize = 256 * 1024;

/// How a download begins.
pub(super) enum Start {
    /// A file is already under the final name: this long.
    Existing(u64),
    /// Nothing is: the temporary file, ready.
    Fresh(Partial),
}

/// A download's temporary file and the bytes kept so far.
pub(super) struct Partial {
    path: PathBuf,
    /// `None` only while a trip to the blocking pool has it.
    file: Option<std::fs::File>,
    buffer: Vec<u8>,
    kept: u64,
    renamed: bool,
}

/// Runs file-system calls on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

/// The temporary file of `target`.
fn part_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "download".into(), |n| n.to_string_lossy().into_owned());
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    dir.join(format!(".{name}.part"))
}

fn create(part: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = part.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::File::create(part)
}

impl Partial {
    fn io(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn new(path: PathBuf, file: std::fs::File) -> Self {
        Partial {
            path,
            file: Some(file),
            buffer: Vec::with_capacity(BUFFER),
            kept: 0,
            renamed: false,
        }
    }

    /// The length of what is under `target` already, or else a fresh temporary file (its
    /// directory made when missing).
    pub async fn start(target: &Path) -> Result<Start, Error> {
        let (target, part) = (target.to_path_buf(), part_path(target));
        let path = part.clone();
        let started = blocking(move || match std::fs::metadata(&target) {
            Ok(meta) if meta.is_file() => Ok(Err(meta.len())),
            _ => create(&part).map(Ok),
        })
        .await;
        match started {
            Ok(Ok(file)) => Ok(Start::Fresh(Partial::new(path, file))),
            Ok(Err(len)) => Ok(Start::Existing(len)),
            Err(source) => Err(Error::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// A fresh temporary file for `target`, whatever is there.
    pub async fn create(target: &Path) -> Result<Partial, Error> {
        let part = part_path(target);
        let path = part.clone();
        match blocking(move || create(&part)).await {
            Ok(file) => Ok(Partial::new(path, file)),
            Err(source) => Err(Error::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Bytes kept so far.
    pub fn kept(&self) -> u64 {
        self.kept
    }

    /// Keeps `bytes` after what is kept.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.buffer.extend_from_slice(bytes);
        self.kept += bytes.len() as u64;
        if self.buffer.len() >= BUFFER {
            self.trip(|_, _| Ok(())).await?;
        }
        Ok(())
    }

    /// Forgets what was kept, to start from the first byte.
    pub async fn restart(&mut self) -> Result<(), Error> {
        self.buffer.clear();
        self.kept = 0;
        self.trip(|file, _| {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0)).map(drop)
        })
        .await
    }

    /// Writes what is buffered and renames the file to `target`.
    pub async fn finish(mut self, target: &Path) -> Result<(), Error> {
        let to = target.to_path_buf();
        self.trip(move |_, part| std::fs::rename(part, to)).await?;
        self.renamed = true;
        Ok(())
    }

    /// One trip to the blocking pool: the buffer written out, then `then`.
    async fn trip(
        &mut self,
        then: impl FnOnce(&mut std::fs::File, &Path) -> std::io::Result<()> + Send + 'static,
    ) -> Result<(), Error> {
        let Some(mut file) = self.file.take() else {
            return Err(self.io(std::io::Error::other("an earlier write did not finish")));
        };
        let mut buffer = std::mem::take(&mut self.buffer);
        let path = self.path.clone();
        let trip = tokio::task::spawn_blocking(move || {
            let done = file
                .write_all(&buffer)
                .and_then(|()| then(&mut file, &path));
            buffer.clear();
            (file, buffer, done)
        });
        let (file, buffer, done) = trip.await.map_err(|e| self.io(std::io::Error::other(e)))?;
        self.file = Some(file);
        self.buffer = buffer;
        done.map_err(|e| self.io(e))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_partial_file_is_renamed_when_finished_and_removed_when_dropped() {
        let dir = std::env::temp_dir().join(format!("kling-partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let target = dir.join("sub").join("video.mp4");
        let Ok(Start::Fresh(mut part)) = Partial::start(&target).await else {
            panic!()
        };
        let hidden = dir.join("sub").join(".video.mp4.part");
        assert!(hidden.exists());
        part.write(b"stale").await.unwrap();
        part.restart().await.unwrap();
        let big = vec![7u8; BUFFER + 10];
        part.write(&big).await.unwrap();
        part.write(b"end").await.unwrap();
        assert_eq!(part.kept(), BUFFER as u64 + 13);
        part.finish(&target).await.unwrap();
        let written = std::fs::read(&target).unwrap();
        assert_eq!(written.len(), BUFFER + 13);
        assert!(written.ends_with(b"\x07end") && !hidden.exists());

        let Ok(Start::Existing(len)) = Partial::start(&target).await else {
            panic!()
        };
        assert_eq!(len, BUFFER as u64 + 13);
        let mut part = Partial::create(&target).await.unwrap();
        part.write(b"half").await.unwrap();
        drop(part);
        assert!(!hidden.exists(), "a dropped download leaves nothing");
        assert_eq!(std::fs::read(&target).unwrap(), written);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
