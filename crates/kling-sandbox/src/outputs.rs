//! The output files of a completed job: an MP4 of a realistic size and two JPEGs.
//!
//! The video is the small embedded clip (a complete, playable MP4: `ftyp`, `moov`, `mdat`)
//! followed by one top-level `free` box of seeded padding, which players skip. The seed and the
//! size (2 to 5 MiB) come from the job id, so a job's bytes are the same on every request and in
//! every sandbox, any range can be produced without the rest (nothing is kept in memory), and a
//! test can compare a download with [`crate::Sandbox::output_file`].

use std::ops::Range;

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// The video's file name.
pub(crate) const VIDEO: &str = "output_0.mp4";
/// The thumbnail's file name.
pub(crate) const THUMBNAIL: &str = "thumb_0.jpg";
/// The poster image's file name.
pub(crate) const POSTER: &str = "poster_0.jpg";

static MP4: &[u8] = include_bytes!("assets/output.mp4");
static JPEG: &[u8] = include_bytes!("assets/thumb.jpg");

/// Smallest video, and how much larger one may be.
const MIN_VIDEO: u64 = 2 * 1024 * 1024;
const VIDEO_SPREAD: u64 = 3 * 1024 * 1024;
/// The `free` box header: a 32-bit big-endian size, then the type.
const FREE_HEADER: u64 = 8;

/// Where an output file is served: `{origin}/files/outputs/{job}/{name}` (the CDN's
/// `/outputs/{job}/{name}` shape, under the sandbox's own origin).
pub(crate) fn url(origin: &str, job_id: &str, name: &str) -> String {
    format!("{origin}/files/outputs/{job_id}/{name}")
}

/// One output file of one job.
#[derive(Debug, Clone)]
pub(crate) struct OutputFile {
    content: Content,
    len: u64,
    etag: String,
}

#[derive(Debug, Clone)]
enum Content {
    Jpeg,
    Video { seed: u64 },
}

impl OutputFile {
    /// The file `name` of job `job_id`; `None` for a name jobs do not have.
    pub fn new(job_id: &str, name: &str) -> Option<Self> {
        let digest = Sha256::new()
            .chain_update(job_id.as_bytes())
            .chain_update([0])
            .chain_update(name.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let seed = u64::from_le_bytes(first);
        let (content, len) = match name {
            VIDEO => (Content::Video { seed }, MIN_VIDEO + seed % VIDEO_SPREAD),
            THUMBNAIL | POSTER => (Content::Jpeg, JPEG.len() as u64),
            _ => return None,
        };
        Some(Self {
            content,
            len,
            // The bytes are a function of the job and the name, and so is the tag.
            etag: format!("\"{}\"", hex::encode(first)),
        })
    }

    pub fn content_type(&self) -> &'static str {
        match self.content {
            Content::Jpeg => "image/jpeg",
            Content::Video { .. } => "video/mp4",
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    /// A strong entity tag.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// The bytes in `range`, which must lie within the file.
    pub fn read(&self, range: Range<u64>) -> Bytes {
        let Content::Video { seed } = self.content else {
            return Bytes::from_static(JPEG).slice(index(range.start)..index(range.end));
        };
        let mut out = Vec::with_capacity(index(range.end - range.start));
        let header_len = MP4.len() as u64 + FREE_HEADER;
        if range.start < header_len {
            let mut header = MP4.to_vec();
            let free = u32::try_from(self.len - MP4.len() as u64).unwrap_or(u32::MAX);
            header.extend_from_slice(&free.to_be_bytes());
            header.extend_from_slice(b"free");
            out.extend_from_slice(&header[index(range.start)..index(range.end.min(header_len))]);
        }
        if range.end > header_len {
            let from = range.start.max(header_len) - header_len;
            padding(seed, from..range.end - header_len, &mut out);
        }
        Bytes::from(out)
    }
}

fn index(at: u64) -> usize {
    usize::try_from(at).unwrap_or(usize::MAX)
}

/// The padding bytes in `range`: little-endian words of a counter-based SplitMix64, so any range
/// is computed directly.
fn padding(seed: u64, range: Range<u64>, out: &mut Vec<u8>) {
    let mut at = range.start;
    while at < range.end {
        let word = splitmix64(seed.wrapping_add((at / 8).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let skip = index(at % 8);
        let take = (8 - skip).min(index(range.end - at));
        out.extend_from_slice(&word.to_le_bytes()[skip..skip + take]);
        at += take as u64;
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(file: &OutputFile) -> Bytes {
        file.read(0..file.len())
    }

    #[test]
    fn the_video_is_an_mp4_of_a_few_megabytes_with_a_free_box_to_its_end() {
        let file = OutputFile::new("job_0123456789ab", VIDEO).unwrap();
        let bytes = whole(&file);
        assert_eq!(bytes.len() as u64, file.len());
        assert!((MIN_VIDEO..MIN_VIDEO + VIDEO_SPREAD).contains(&file.len()));
        assert_eq!(&bytes[..MP4.len()], MP4);
        // Top-level boxes tile the file exactly: ftyp … mdat, then the free box.
        let mut at = 0usize;
        let mut kinds = Vec::new();
        while at < bytes.len() {
            let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            kinds.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
            assert!(size >= 8, "box at {at}");
            at += size;
        }
        assert_eq!(at, bytes.len());
        assert_eq!(kinds.first().map(String::as_str), Some("ftyp"));
        assert_eq!(kinds.last().map(String::as_str), Some("free"));
    }

    #[test]
    fn any_range_equals_the_same_slice_of_the_whole() {
        let file = OutputFile::new("job_fedcba987654", VIDEO).unwrap();
        let bytes = whole(&file);
        let len = file.len();
        for (start, end) in [
            (0, 1),
            (0, 1689),
            (1680, 1700),
            (1689, 1697),
            (5, 77_777),
            (len - 3, len),
        ] {
            assert_eq!(
                file.read(start..end),
                bytes.slice(start as usize..end as usize),
                "{start}..{end}"
            );
        }
        let thumb = OutputFile::new("job_fedcba987654", THUMBNAIL).unwrap();
        assert_eq!(thumb.read(2..10), Bytes::from_static(&JPEG[2..10]));
    }

    #[test]
    fn bytes_depend_on_the_job_only() {
        let a = OutputFile::new("job_a", VIDEO).unwrap();
        let again = OutputFile::new("job_a", VIDEO).unwrap();
        let b = OutputFile::new("job_b", VIDEO).unwrap();
        assert_eq!(whole(&a), whole(&again));
        assert_eq!(a.etag(), again.etag());
        assert_ne!(a.etag(), b.etag());
        let tail = 1_000_000..1_000_100;
        assert_ne!(
            a.read(tail.clone()),
            b.read(tail),
            "each job has its own padding"
        );
        assert!(OutputFile::new("job_a", "output_1.mp4").is_none());
    }
}
