//! Object storage for project files, their thumbnails and imported CSVs,
//! through the `object_store` crate: a local folder by default, any
//! S3-compatible bucket by configuration (`Config::storage_url`).
//!
//! Keys are made of ids only (`files/{org}/{file}`), so a person's file
//! name never reaches a path, and one organization's objects share a
//! prefix.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::{
    ObjectStore, PutPayload, WriteMultipart, aws::AmazonS3Builder, local::LocalFileSystem, path::Path,
    prefix::PrefixStore,
};

use crate::model::{FileId, OrgId, TaskImportId};

/// Where objects go; cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

/// The storage could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("could not create the storage folder {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

impl StorageError {
    /// Whether the object was not there.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::Store(object_store::Error::NotFound { .. }))
    }
}

/// An object being written part by part: bytes are sent on as they come
/// (in parts of 5 MiB for S3), so a large file is never held whole.
pub struct Upload {
    writer: WriteMultipart,
}

impl Upload {
    /// Adds `bytes` to the object.
    pub fn write(&mut self, bytes: &[u8]) {
        self.writer.write(bytes);
    }

    /// Waits while too many parts are in flight (backpressure).
    pub async fn ready(&mut self) -> Result<(), StorageError> {
        Ok(self.writer.wait_for_capacity(4).await?)
    }

    /// Stores the object.
    pub async fn finish(self) -> Result<(), StorageError> {
        self.writer.finish().await?;
        Ok(())
    }

    /// Gives up: nothing is stored.
    pub async fn abort(self) {
        if let Err(err) = self.writer.abort().await {
            tracing::warn!(error = %err, "aborting an upload failed");
        }
    }
}

impl Storage {
    /// Opens `url`: `s3://bucket[/prefix]` (credentials, region and
    /// endpoint from the `AWS_*` environment variables), else a local
    /// folder, created when missing.
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let store: Arc<dyn ObjectStore> = if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
            if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(PrefixStore::new(s3, prefix.trim_matches('/')))
            }
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir { path: dir.to_owned(), source })?;
            Arc::new(LocalFileSystem::new_with_prefix(dir)?)
        };
        Ok(Self { store })
    }

    /// The bytes of a project file.
    pub fn file_key(org: OrgId, file: FileId) -> Path {
        Path::from(format!("files/{org}/{file}"))
    }

    /// A project file's thumbnail (PNG).
    pub fn thumbnail_key(org: OrgId, file: FileId) -> Path {
        Path::from(format!("thumbnails/{org}/{file}"))
    }

    /// An imported CSV file.
    pub fn import_key(org: OrgId, import: TaskImportId) -> Path {
        Path::from(format!("imports/{org}/{import}"))
    }

    /// The CSV of an import's refused rows.
    pub fn import_errors_key(org: OrgId, import: TaskImportId) -> Path {
        Path::from(format!("imports/{org}/{import}-errors"))
    }

    /// Starts writing the object `key`.
    pub async fn upload(&self, key: &Path) -> Result<Upload, StorageError> {
        let upload = self.store.put_multipart(key).await?;
        Ok(Upload { writer: WriteMultipart::new(upload) })
    }

    /// Stores `bytes` (small objects: thumbnails, error reports) as `key`.
    pub async fn put(&self, key: &Path, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.store.put(key, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The object `key` as a stream of chunks, with its size.
    pub async fn read(
        &self,
        key: &Path,
    ) -> Result<(u64, impl Stream<Item = Result<Bytes, StorageError>> + Send + 'static + use<>), StorageError> {
        let result = self.store.get(key).await?;
        let size = result.meta.size;
        Ok((size, result.into_stream().map(|chunk| chunk.map_err(StorageError::from))))
    }

    /// The whole object `key` (small objects only).
    pub async fn read_all(&self, key: &Path) -> Result<Bytes, StorageError> {
        Ok(self.store.get(key).await?.bytes().await?)
    }

    /// The keys of every object whose key starts with the folder `prefix`
    /// (`files/{org}`, ...; everything for an empty one), sorted. Each
    /// request of the listing is awaited in turn: for checks and tools,
    /// not for a request's hot path.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let prefix = prefix.trim_matches('/');
        let prefix = (!prefix.is_empty()).then(|| Path::from(prefix));
        let mut listing = self.store.list(prefix.as_ref());
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            keys.push(meta?.location.to_string());
        }
        keys.sort();
        Ok(keys)
    }

    /// Deletes the object `key`; one that is not there counts as deleted.
    pub async fn delete(&self, key: &Path) -> Result<(), StorageError> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}
