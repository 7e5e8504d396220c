//! Receiving a dataset file: one streaming pass that hashes, stores and profiles the bytes.
//!
//! Chunks of the request body go three ways as they arrive: into a SHA-256, into a temporary
//! object of the blob store, and through a [`pipe`] into the dataset engine, which checks
//! and profiles them on a blocking thread. No step holds the whole file: memory stays
//! bounded by the pipe, the store's parts in flight and the engine's bounded sketches. The
//! caller commits the blob only when the engine accepted every byte; on any failure here the
//! temporary object is removed and nothing is left behind.

use std::error::Error as StdError;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use lepton_data::{DataError, IngestOptions, Ingested};
use sha2::{Digest, Sha256};

use super::pipe::{PipeSender, pipe};
use super::store::{BlobStore, PendingBlob, StoreError};

/// After the engine rejects a file, this many more bytes of the body are read and dropped so
/// that the client, still sending, reads the error answer instead of a reset connection.
const DRAIN_BYTES: u64 = 64 * 1024 * 1024;

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    /// The file is not a dataset the engine accepts; the message names line and column.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The body is larger than the configured limit.
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The body stopped arriving: the client cancelled or the connection broke.
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    /// The blob store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine's thread panicked or was cancelled.
    #[error("the dataset reader stopped unexpectedly: {0}")]
    Engine(String),
}

/// A received, profiled upload, written to a temporary object that waits to be committed.
pub(crate) struct Received {
    /// The temporary object: [`BlobStore::commit`] it or [`PendingBlob::abort`] it.
    pub(crate) pending: PendingBlob,
    /// SHA-256 of the bytes, lowercase hex.
    pub(crate) sha256: String,
    /// Bytes received.
    pub(crate) size_bytes: u64,
    /// What the engine found.
    pub(crate) ingested: Ingested,
}

/// Hashes, stores and profiles `body`, which may hold at most `limit` bytes.
///
/// # Errors
///
/// [`UploadError`]; in every case the temporary object is gone.
pub(crate) async fn receive<S, E>(
    store: &BlobStore,
    mut body: S,
    limit: u64,
    options: IngestOptions,
) -> Result<Received, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: StdError + Send + Sync + 'static,
{
    let mut pending = store.begin().await?;
    let (sender, reader) = pipe();
    let engine = tokio::task::spawn_blocking(move || lepton_data::ingest(reader, &options));

    let streamed = stream_body(&mut body, limit, &sender, &mut pending).await;
    drop(sender);
    let ingested = engine.await;

    let (sha256, size_bytes) = match streamed {
        Ok(Streamed::Complete { sha256, size_bytes }) => (sha256, size_bytes),
        Ok(Streamed::EngineStopped) => {
            pending.abort().await;
            drain(&mut body).await;
            return Err(engine_failure(ingested));
        }
        Err(error) => {
            pending.abort().await;
            return Err(error);
        }
    };
    let ingested = match ingested {
        Ok(Ok(ingested)) => ingested,
        other => {
            pending.abort().await;
            return Err(engine_failure(other));
        }
    };

    Ok(Received {
        pending,
        sha256,
        size_bytes,
        ingested,
    })
}

/// How the body ended.
enum Streamed {
    /// Every byte arrived, was stored and went to the engine.
    Complete { sha256: String, size_bytes: u64 },
    /// The engine stopped reading before the end: it rejected the file.
    EngineStopped,
}

async fn stream_body<S, E>(
    body: &mut S,
    limit: u64,
    sender: &PipeSender,
    pending: &mut PendingBlob,
) -> Result<Streamed, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: StdError + Send + Sync + 'static,
{
    let mut hasher = Sha256::new();
    let mut size_bytes: u64 = 0;

    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| body_error(&error, limit))?;
        size_bytes += chunk.len() as u64;
        if size_bytes > limit {
            return Err(UploadError::TooLarge { limit });
        }

        hasher.update(&chunk);
        pending.write(chunk.clone()).await?;
        if sender.send(chunk).await.is_err() {
            return Ok(Streamed::EngineStopped);
        }
    }

    let sha256 = format!("{:x}", hasher.finalize());
    Ok(Streamed::Complete { sha256, size_bytes })
}

/// The engine's verdict on a file it stopped reading, or why it could not give one.
fn engine_failure(
    outcome: Result<Result<Ingested, DataError>, tokio::task::JoinError>,
) -> UploadError {
    match outcome {
        Ok(Err(error)) => UploadError::Data(error),
        Ok(Ok(_)) => UploadError::Engine("it finished before the end of the file".to_owned()),
        Err(error) => UploadError::Engine(error.to_string()),
    }
}

/// A body error is the size limit (413) when a layer below enforced it, else an interruption.
fn body_error(error: &(dyn StdError + 'static), limit: u64) -> UploadError {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.is::<http_body_util::LengthLimitError>() {
            return UploadError::TooLarge { limit };
        }
        cause = current.source();
    }
    UploadError::Interrupted(error.to_string())
}

async fn drain<S, E>(body: &mut S)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut drained: u64 = 0;
    while drained < DRAIN_BYTES {
        match body.next().await {
            Some(Ok(chunk)) => drained += chunk.len() as u64,
            Some(Err(_)) | None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::store::Commit;

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|part| Ok(Bytes::from_static(part.as_bytes())))
                .collect::<Vec<_>>(),
        )
    }

    fn temporary_files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir.join("tmp")).map_or(0, Iterator::count)
    }

    #[tokio::test]
    async fn a_valid_file_is_hashed_stored_and_profiled() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();
        let body = chunks(&["x,y,label\n1.0,2.0,a\n", "3.0,4.0,b\n"]);

        let received = receive(&store, body, 1 << 20, IngestOptions::default())
            .await
            .unwrap();
        assert_eq!(received.size_bytes, 30);
        assert_eq!(
            received.sha256,
            format!("{:x}", Sha256::digest(b"x,y,label\n1.0,2.0,a\n3.0,4.0,b\n"))
        );
        assert_eq!(received.ingested.profile.rows, 2);
        let commit = store
            .commit(received.pending, &received.sha256)
            .await
            .unwrap();
        assert_eq!(commit, Commit::Stored);
        assert_eq!(temporary_files(dir.path()), 0);
    }

    #[tokio::test]
    async fn a_rejected_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();
        let body = chunks(&["a,b\n1,2\n", "3\n"]);

        let Err(error) = receive(&store, body, 1 << 20, IngestOptions::default()).await else {
            panic!("the upload was accepted");
        };
        let UploadError::Data(error) = error else {
            panic!("expected a data error, got {error}");
        };
        assert_eq!(error.code(), "ragged_row");
        assert_eq!(temporary_files(dir.path()), 0);
        assert_eq!(store.clean_leftovers(|_| false).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();
        let body = chunks(&["a,b\n1,2\n", "3,4\n"]);

        let Err(error) = receive(&store, body, 10, IngestOptions::default()).await else {
            panic!("the upload was accepted");
        };
        assert!(
            matches!(error, UploadError::TooLarge { limit: 10 }),
            "{error}"
        );
        assert_eq!(temporary_files(dir.path()), 0);
    }
}
