//! What the processing job does to an uploaded file: its SHA-256, its type
//! read from the bytes, and for images their size and a thumbnail.

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::{
    model::{FileId, OrgId},
    server::{
        AppState,
        db::files::{self, Processed},
        job_context::{Cancelled, JobContext},
        storage::Storage,
    },
};

/// Bytes read to sniff the type (every signature `infer` knows fits).
const SNIFF_BYTES: usize = 8192;
/// Images larger than this get their size read but no thumbnail (decoding
/// holds the whole image in memory).
const MAX_THUMBNAIL_SOURCE: i64 = 40 * 1024 * 1024;
/// The thumbnail's longest side, in pixels.
const THUMBNAIL_SIDE: u32 = 320;
/// Largest image decoded, in pixels per side and bytes of memory (a
/// "decompression bomb" is refused, not decoded). 192 MiB holds a 48
/// megapixel photo with an alpha channel; two workers per process decode
/// at most two at once.
const MAX_IMAGE_SIDE: u32 = 20_000;
const MAX_IMAGE_ALLOC: u64 = 192 * 1024 * 1024;

/// The type of `head` (a file's first bytes) by its signature: what
/// `infer` recognises, else `text/plain` for UTF-8 text without NULs, else
/// `application/octet-stream`. The second value is whether a signature was
/// recognised (only then can the bytes contradict the name).
pub fn sniff(head: &[u8]) -> (String, bool) {
    if let Some(kind) = infer::get(head) {
        return (kind.mime_type().to_owned(), true);
    }
    // A cut in the middle of a character at the end of `head` is fine.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        ("text/plain".to_owned(), false)
    } else {
        ("application/octet-stream".to_owned(), false)
    }
}

/// The type a file's name claims by its extension (`mime_guess`), if it
/// has a known one: `image/svg+xml` for `drawing.svg`.
pub fn type_by_name(name: &str) -> Option<String> {
    mime_guess::from_path(name).first().map(|mime| mime.essence_str().to_owned())
}

/// Why a file's bytes contradict its name, if they do: the name's
/// extension says one kind (`mime_guess`) and the signature another, with
/// a different top-level type (a `.png` that is a PDF), a different image
/// format (a `.png` that is a JPEG), or a program under another name.
/// Extensions that say nothing (`.bin`, none at all) never contradict.
pub fn mismatch(name: &str, sniffed: &str) -> Option<String> {
    let claimed = mime_guess::from_path(name).first()?;
    let claimed = claimed.essence_str();
    if claimed == sniffed || claimed == "application/octet-stream" {
        return None;
    }
    let top = |mime: &str| mime.split('/').next().unwrap_or_default().to_owned();
    let program = |mime: &str| {
        matches!(
            mime,
            "application/vnd.microsoft.portable-executable"
                | "application/x-executable"
                | "application/x-mach-binary"
                | "application/x-msdownload"
                | "application/vnd.android.package-archive"
        )
    };
    let contradicts = top(claimed) != top(sniffed) || top(claimed) == "image" || program(sniffed);
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_lowercase()).unwrap_or_default();
    contradicts.then(|| format!("The name ends in .{extension} ({claimed}), but the content is {sniffed}."))
}

/// Processes the file `id` of `org`: reads it once from storage, hashing
/// and sniffing as it goes (reporting bytes read as progress), then checks
/// the name against the bytes and, for images, reads their size and stores
/// a thumbnail. The outcome is the file's status (`ready`, or `failed` with
/// the reason); only a storage or database error fails the job (to be
/// retried).
#[tracing::instrument(name = "file_processing::process", level = "debug", skip_all, fields(org = %org, file = %id))]
pub async fn process(ctx: &JobContext, state: &AppState, org: OrgId, id: FileId) -> Result<(), ProcessError> {
    let Some(file) = files::start_processing(&state.db, org, id).await? else {
        return Ok(());
    };
    let key = Storage::file_key(org, id);
    let (size, mut stream) = state.storage.read(&key).await?;
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut whole: Option<Vec<u8>> = None;
    let mut read: i64 = 0;
    let mut last_report = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        // Images small enough are kept whole for decoding; the first
        // chunk holds their signature.
        if read == 0 && size <= MAX_THUMBNAIL_SOURCE && is_thumbnailable(&sniff(&chunk).0) {
            whole = Some(Vec::with_capacity(usize::try_from(size).unwrap_or(0)));
        }
        if let Some(whole) = whole.as_mut() {
            whole.extend_from_slice(&chunk);
        }
        read += i64::try_from(chunk.len()).unwrap_or(0);
        if read - last_report >= 4 * 1024 * 1024 {
            last_report = read;
            ctx.progress(read, Some(size), &format!("Reading {}", file.name)).await?;
        }
    }
    let sha256 = hex::encode(hasher.finalize());
    let (content_type, recognised) = sniff(&head);
    let processed = match recognised.then(|| mismatch(&file.name, &content_type)).flatten() {
        Some(reason) => Processed::Failed { content_type: Some(content_type), sha256: Some(sha256), reason },
        None if content_type.starts_with("image/") && is_thumbnailable(&content_type) => match whole {
            Some(bytes) => match tokio::task::spawn_blocking(move || thumbnail(&bytes)).await {
                Ok(Ok((width, height, png))) => {
                    state.storage.put(&Storage::thumbnail_key(org, id), png).await?;
                    Processed::Ready {
                        content_type,
                        sha256,
                        width: Some(width),
                        height: Some(height),
                        has_thumbnail: true,
                    }
                }
                Ok(Err(reason)) => Processed::Failed { content_type: Some(content_type), sha256: Some(sha256), reason },
                Err(err) => return Err(ProcessError::Other(format!("decoding stopped: {err}"))),
            },
            None => Processed::Ready { content_type, sha256, width: None, height: None, has_thumbnail: false },
        },
        None => Processed::Ready { content_type, sha256, width: None, height: None, has_thumbnail: false },
    };
    ctx.progress(read, Some(size), &format!("Processed {}", file.name)).await?;
    files::finish_processing(&state.db, org, id, &processed).await?;
    Ok(())
}

fn is_thumbnailable(mime: &str) -> bool {
    matches!(mime, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// The image's size and a PNG thumbnail at most [`THUMBNAIL_SIDE`] on its
/// longest side; a reason for people when it cannot be decoded.
fn thumbnail(bytes: &[u8]) -> Result<(i64, i64, Vec<u8>), String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| format!("The image could not be read: {err}."))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(|err| format!("The image could not be read: {err}."))?;
    let (width, height) = (i64::from(image.width()), i64::from(image.height()));
    let small = image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    let mut png = Vec::new();
    small
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|err| format!("The thumbnail could not be made: {err}."))?;
    Ok((width, height, png))
}

/// Processing could not finish (it is retried).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] crate::server::storage::StorageError),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

impl From<Cancelled> for ProcessError {
    fn from(_: Cancelled) -> Self {
        ProcessError::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_signatures_not_names() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), ("image/png".to_owned(), true));
        assert_eq!(sniff(b"%PDF-1.7\n"), ("application/pdf".to_owned(), true));
        assert_eq!(sniff("plain words, é".as_bytes()), ("text/plain".to_owned(), false));
        assert_eq!(sniff(b"\x00\x01\x02\xff"), ("application/octet-stream".to_owned(), false));
    }

    #[test]
    fn a_name_contradicted_by_its_bytes_is_named() {
        assert!(mismatch("photo.png", "application/pdf").is_some());
        assert!(mismatch("photo.png", "image/jpeg").is_some());
        assert!(mismatch("notes.txt", "application/vnd.microsoft.portable-executable").is_some());
        assert_eq!(mismatch("photo.jpg", "image/jpeg"), None);
        assert_eq!(mismatch("report.pdf", "application/pdf"), None);
        assert_eq!(mismatch("archive", "application/zip"), None);
        assert_eq!(mismatch("data.bin", "application/zip"), None);
    }
}
