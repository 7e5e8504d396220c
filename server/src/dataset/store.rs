//! Dataset blobs in an object store, addressed by the SHA-256 of their bytes.
//!
//! Every access goes through the `object_store` crate, so moving from the local filesystem to
//! an S3-compatible store is a change of configuration. An upload is written to a temporary
//! object under `tmp/` and moved to `blobs/<aa>/<sha256>` only once every byte has arrived and
//! been hashed; identical bytes are stored once. The local store syncs files and directories
//! to disk before a write returns, so a blob the database points at survives a power cut.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};

/// Prefix of uploads in progress.
const TEMPORARY: &str = "tmp";
/// Prefix of committed blobs.
const BLOBS: &str = "blobs";
/// Prefix of model artifacts: small files written whole, addressed like blobs, and kept for
/// as long as the registry points at them (leftover cleaning does not look here).
const ARTIFACTS: &str = "artifacts";
/// Size of the parts an upload is written in; with [`PARTS_IN_FLIGHT`] it bounds the memory
/// one upload holds for writing.
const PART_BYTES: usize = 4 * 1024 * 1024;
/// Parts written concurrently per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Why the store failed; the server logs it and answers 500.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// The store's directory cannot be created or opened.
    #[error("cannot open the blob store at {}: {source}", .path.display())]
    Open {
        /// The directory.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// An object operation failed.
    #[error("blob store: {0}")]
    Object(#[from] object_store::Error),
}

/// The dataset blob store.
#[derive(Debug, Clone)]
pub(crate) struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store: leftovers of a crash there include the staging files
    /// of unfinished writes, which object listings do not show.
    local_root: Option<PathBuf>,
}

/// An upload being written to a temporary object.
pub(crate) struct PendingBlob {
    location: Path,
    writer: WriteMultipart,
}

/// What committing a finished upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// The bytes are new and now stored.
    Stored,
    /// The same bytes were stored already; the upload was dropped.
    AlreadyStored,
}

impl BlobStore {
    /// A store in the directory `root`, created when missing.
    ///
    /// # Errors
    ///
    /// [`StoreError::Open`] when the directory cannot be created or resolved.
    pub(crate) fn local(root: &FsPath) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: root.to_owned(),
            source,
        };
        std::fs::create_dir_all(root).map_err(open_error)?;

        let store = LocalFileSystem::new_with_prefix(root)
            .map_err(|error| open_error(std::io::Error::other(error.to_string())))?
            .with_fsync(true)
            .with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            local_root: Some(root.to_owned()),
        })
    }

    /// Starts writing an upload to a new temporary object.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when the store refuses the write.
    pub(crate) async fn begin(&self) -> Result<PendingBlob, StoreError> {
        let location = Path::from(format!("{TEMPORARY}/{}", uuid::Uuid::new_v4()));
        let upload = self.store.put_multipart(&location).await?;

        Ok(PendingBlob {
            location,
            writer: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
        })
    }

    /// Moves a finished upload to the address of its SHA-256 (lowercase hex), or drops it
    /// when those bytes are stored already.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when finishing or moving fails; the temporary object is removed.
    pub(crate) async fn commit(
        &self,
        pending: PendingBlob,
        sha256: &str,
    ) -> Result<Commit, StoreError> {
        let PendingBlob { location, writer } = pending;
        writer.finish().await?;

        let address = blob_path(sha256);
        match self.store.rename_if_not_exists(&location, &address).await {
            Ok(()) => Ok(Commit::Stored),
            Err(object_store::Error::AlreadyExists { .. }) => {
                self.store.delete(&location).await?;
                Ok(Commit::AlreadyStored)
            }
            Err(error) => {
                self.remove_quietly(&location).await;
                Err(error.into())
            }
        }
    }

    /// The bytes of a blob from `offset` to its end, as a stream of chunks.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when the blob is missing or unreadable.
    pub(crate) async fn read_from(
        &self,
        sha256: &str,
        offset: u64,
    ) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>, StoreError> {
        let options = GetOptions {
            range: (offset > 0).then_some(GetRange::Offset(offset)),
            ..GetOptions::default()
        };
        let result = self.store.get_opts(&blob_path(sha256), options).await?;
        Ok(result.into_stream().boxed())
    }

    /// Stores a model artifact whole at the address of its SHA-256; bytes stored already
    /// are left as they are.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when the write fails.
    pub(crate) async fn put_artifact(&self, sha256: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.store
            .put(&addressed(ARTIFACTS, sha256), bytes.into())
            .await?;
        Ok(())
    }

    /// The whole of a model artifact.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when it is missing or unreadable.
    pub(crate) async fn artifact(&self, sha256: &str) -> Result<Bytes, StoreError> {
        Ok(self
            .store
            .get(&addressed(ARTIFACTS, sha256))
            .await?
            .bytes()
            .await?)
    }

    /// Removes a blob.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when the store refuses; a blob already gone is not an error.
    pub(crate) async fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        match self.store.delete(&blob_path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes what a crash can leave: temporary uploads, and blobs for which `is_referenced`
    /// is false (moved into place but never recorded, or unrecorded but not yet removed).
    /// Call it at start, before any upload runs. Returns how many objects were removed.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when listing or deleting fails.
    pub(crate) async fn clean_leftovers(
        &self,
        is_referenced: impl Fn(&str) -> bool,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;

        let mut temporary = self.store.list(Some(&Path::from(TEMPORARY)));
        while let Some(meta) = temporary.next().await {
            self.store.delete(&meta?.location).await?;
            removed += 1;
        }
        removed += self.remove_staging_files();

        let mut blobs = self.store.list(Some(&Path::from(BLOBS)));
        while let Some(meta) = blobs.next().await {
            let location = meta?.location;
            let sha256 = location.filename().unwrap_or_default().to_owned();
            if !is_referenced(&sha256) {
                self.store.delete(&location).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Staging files of writes that never finished live beside their object as `name#N`,
    /// invisible to listings; in a local store they are removed from the directory itself.
    /// Object stores such as S3 expire unfinished multipart uploads by a bucket lifecycle rule.
    fn remove_staging_files(&self) -> usize {
        let Some(root) = &self.local_root else {
            return 0;
        };
        let Ok(entries) = std::fs::read_dir(root.join(TEMPORARY)) else {
            return 0;
        };

        let mut removed = 0;
        for entry in entries.flatten() {
            if std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    async fn remove_quietly(&self, location: &Path) {
        if let Err(error) = self.store.delete(location).await {
            tracing::warn!(%error, %location, "cannot remove a temporary upload");
        }
    }
}

impl PendingBlob {
    /// Appends bytes, waiting while too many parts are being written.
    ///
    /// # Errors
    ///
    /// [`StoreError::Object`] when a part could not be written.
    pub(crate) async fn write(&mut self, bytes: Bytes) -> Result<(), StoreError> {
        self.writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        self.writer.put(bytes);
        Ok(())
    }

    /// Drops the upload and its temporary object.
    pub(crate) async fn abort(self) {
        let location = self.location;
        if let Err(error) = self.writer.abort().await {
            tracing::warn!(%error, %location, "cannot remove an aborted upload");
        }
    }
}

/// `blobs/ab/abcdef…`: two hex digits of fan-out keep directories small.
fn blob_path(sha256: &str) -> Path {
    addressed(BLOBS, sha256)
}

/// `prefix/<aa>/<sha256>`: the first two hex digits fan the objects out over directories.
fn addressed(prefix: &str, sha256: &str) -> Path {
    let fan_out = sha256.get(..2).unwrap_or("00");
    Path::from(format!("{prefix}/{fan_out}/{sha256}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stored(store: &BlobStore, bytes: &'static [u8], sha256: &str) -> Commit {
        let mut pending = store.begin().await.unwrap();
        pending.write(Bytes::from_static(bytes)).await.unwrap();
        store.commit(pending, sha256).await.unwrap()
    }

    async fn read_all(store: &BlobStore, sha256: &str, offset: u64) -> Vec<u8> {
        let mut stream = store.read_from(sha256, offset).await.unwrap();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        bytes
    }

    #[tokio::test]
    async fn identical_bytes_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();

        assert_eq!(stored(&store, b"a,b\n1,2\n", "ab12").await, Commit::Stored);
        assert_eq!(
            stored(&store, b"a,b\n1,2\n", "ab12").await,
            Commit::AlreadyStored
        );
        assert_eq!(read_all(&store, "ab12", 0).await, b"a,b\n1,2\n");
        assert_eq!(read_all(&store, "ab12", 4).await, b"1,2\n");
        assert_eq!(store.clean_leftovers(|_| true).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn leftovers_and_unreferenced_blobs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();
        stored(&store, b"kept", "aa01").await;
        stored(&store, b"orphan", "bb02").await;
        let mut unfinished = store.begin().await.unwrap();
        unfinished.write(Bytes::from_static(b"half")).await.unwrap();
        std::mem::forget(unfinished);

        let removed = store.clean_leftovers(|sha| sha == "aa01").await.unwrap();
        assert_eq!(removed, 2);
        assert_eq!(read_all(&store, "aa01", 0).await, b"kept");
        assert!(store.read_from("bb02", 0).await.is_err());
        let temporary = std::fs::read_dir(dir.path().join(TEMPORARY)).map_or(0, Iterator::count);
        assert_eq!(temporary, 0);
    }

    #[tokio::test]
    async fn an_aborted_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();
        let mut pending = store.begin().await.unwrap();
        pending.write(Bytes::from_static(b"x")).await.unwrap();

        pending.abort().await;
        let temporary = std::fs::read_dir(dir.path().join(TEMPORARY)).map_or(0, Iterator::count);
        assert_eq!(temporary, 0);
    }
}
