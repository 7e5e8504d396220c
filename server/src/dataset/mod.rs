//! Datasets: uploads streamed into content-addressed blobs, profiled on the way in, recorded
//! as immutable versions of named datasets, and read back as pages of rows or a download.
//!
//! [`Datasets`] ties the blob store ([`store`]) to the database ([`catalog`]). Its order of
//! writes makes every crash safe: the blob is durable before the version row exists, and the
//! row is gone before the blob is removed; what a crash leaves between the two steps is found
//! and removed by [`Datasets::clean_leftovers`] at start.

pub(crate) mod catalog;
pub(crate) mod name;
pub(crate) mod pipe;
pub(crate) mod prepare;
pub(crate) mod samples;
pub(crate) mod store;
pub(crate) mod upload;

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use lepton_data::{DataError, Format, IngestOptions, Ingested, RowOffset, RowSample};
use lepton_protocol::dataset::{RowsPage, Visibility};
use lepton_protocol::profile::DatasetProfile;
use sqlx::SqlitePool;

use self::catalog::{NewVersion, StoredVersion};
use self::pipe::pipe;
use self::store::{BlobStore, Commit, StoreError};
use self::upload::{Received, UploadError};

/// Name of the blob store's directory inside the data directory.
const STORE_DIR: &str = "datasets";
/// Most rows one page of a preview returns.
pub(crate) const ROWS_PAGE_MAX: usize = 500;

/// Why a dataset operation failed, beyond the upload's own errors.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DatasetError {
    /// The upload was refused or failed.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// The file was accepted but reading it back failed; the message says where.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The blob store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored JSON column does not parse: the row was written by an incompatible build.
    #[error("stored dataset metadata is unreadable: {0}")]
    Metadata(#[from] serde_json::Error),
    /// A blocking reader thread panicked or was cancelled.
    #[error("a dataset reader stopped unexpectedly: {0}")]
    Reader(String),
}

/// What an upload is to become.
#[derive(Debug, Clone)]
pub(crate) struct UploadRequest<'a> {
    /// The uploader; `None` stores a sample.
    pub(crate) owner_id: Option<&'a str>,
    /// A checked name ([`name::check`]).
    pub(crate) name: &'a str,
    /// Visibility when this creates the dataset.
    pub(crate) visibility: Visibility,
    /// The column to analyse as the target.
    pub(crate) target: Option<&'a str>,
    /// The uploaded file's name, as the client gave it.
    pub(crate) file_name: Option<&'a str>,
}

/// A stored upload.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// The new version's id.
    pub(crate) id: String,
    /// Whether its bytes were stored already by another version.
    pub(crate) deduplicated: bool,
}

/// The dataset service: blob store, limits and the lock that orders blob commits and removals.
#[derive(Debug, Clone)]
pub(crate) struct Datasets {
    store: BlobStore,
    max_upload_bytes: u64,
    /// Held while a blob is committed and recorded, and while one is unrecorded and removed,
    /// so that a removal never deletes bytes that a concurrent upload has just found stored.
    blob_lock: Arc<tokio::sync::Mutex<()>>,
}

impl Datasets {
    /// Opens the store in `data_dir`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when its directory is unusable.
    pub(crate) fn open(data_dir: &Path, max_upload_bytes: u64) -> Result<Self, StoreError> {
        Ok(Self {
            store: BlobStore::local(&data_dir.join(STORE_DIR))?,
            max_upload_bytes,
            blob_lock: Arc::default(),
        })
    }

    /// The object store, which also keeps the registry's model artifacts.
    pub(crate) fn store(&self) -> &BlobStore {
        &self.store
    }

    /// Removes temporary uploads and unrecorded blobs that a crash left; run at start.
    ///
    /// # Errors
    ///
    /// [`DatasetError`] when the database or the store fails.
    pub(crate) async fn clean_leftovers(&self, pool: &SqlitePool) -> Result<usize, DatasetError> {
        let _blobs = self.blob_lock.lock().await;
        let referenced = catalog::referenced_blobs(pool).await?;
        Ok(self
            .store
            .clean_leftovers(|sha256| referenced.contains(sha256))
            .await?)
    }

    /// Receives, checks, profiles and stores `body` as a new version.
    ///
    /// # Errors
    ///
    /// [`DatasetError::Upload`] for a refused file (nothing stored), others for failures.
    pub(crate) async fn upload<S, E>(
        &self,
        pool: &SqlitePool,
        body: S,
        request: &UploadRequest<'_>,
    ) -> Result<Stored, DatasetError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let options = IngestOptions {
            target: request.target.map(str::to_owned),
            ..IngestOptions::default()
        };
        let received = upload::receive(&self.store, body, self.max_upload_bytes, options).await?;
        let Received {
            pending,
            sha256,
            size_bytes,
            ingested,
        } = received;

        let json = VersionJson::of(&ingested)?;
        let _blobs = self.blob_lock.lock().await;
        let commit = self.store.commit(pending, &sha256).await?;
        let new = NewVersion {
            owner_id: request.owner_id,
            name: request.name,
            visibility: request.visibility,
            sha256: &sha256,
            size_bytes,
            rows: ingested.profile.rows,
            format: &json.format,
            columns: &json.columns,
            profile: &json.profile,
            row_index: &json.row_index,
            sample: &json.sample,
            target: request.target,
            warnings: warning_count(&ingested.profile),
            file_name: request.file_name,
            created_by: request.owner_id,
        };

        match catalog::insert_version(pool, &new).await {
            Ok((id, _version)) => Ok(Stored {
                id,
                deduplicated: commit == Commit::AlreadyStored,
            }),
            Err(error) => {
                // Remove a blob only this upload brought; another version may use an old one.
                // Should the removal fail too, the next start finds the unrecorded blob.
                if commit == Commit::Stored {
                    let _ = self.store.delete(&sha256).await;
                }
                Err(error.into())
            }
        }
    }

    /// Deletes a version, and its blob when no other version uses it.
    ///
    /// # Errors
    ///
    /// [`DatasetError`] when the database or the store fails.
    pub(crate) async fn delete(
        &self,
        pool: &SqlitePool,
        version: &StoredVersion,
    ) -> Result<(), DatasetError> {
        let _blobs = self.blob_lock.lock().await;
        if let Some(sha256) = catalog::delete_version(pool, version).await? {
            self.store.delete(&sha256).await?;
        }
        Ok(())
    }

    /// Rows `offset..offset + limit` of a version (fewer at its end).
    ///
    /// # Errors
    ///
    /// [`DatasetError`] when the blob or the metadata cannot be read.
    pub(crate) async fn rows(
        &self,
        version: &StoredVersion,
        offset: u64,
        limit: usize,
    ) -> Result<RowsPage, DatasetError> {
        let format: Format = serde_json::from_str(&version.format)?;
        let columns: Vec<String> = serde_json::from_str(&version.columns)?;
        let index: Vec<RowOffset> = serde_json::from_str(&version.row_index)?;
        let total = u64::try_from(version.rows).unwrap_or_default();

        let page_columns = columns.clone();
        let rows = if offset >= total || limit == 0 {
            Vec::new()
        } else {
            let from = index
                .iter()
                .rev()
                .find(|entry| entry.row <= offset)
                .copied()
                .unwrap_or(RowOffset { row: 0, byte: 0 });
            let blob = self
                .store
                .read_from(&version.blob_sha256, from.byte)
                .await?;
            let limit = limit.min(ROWS_PAGE_MAX);
            read_blocking(blob, move |reader| {
                lepton_data::read_rows(reader, &format, &columns, from, offset, limit)
            })
            .await?
        };

        Ok(RowsPage {
            offset,
            total,
            columns: page_columns,
            rows,
        })
    }

    /// Every row of a version, for fitting a recipe; the caller bounds the size.
    ///
    /// # Errors
    ///
    /// [`DatasetError`] when the blob or the metadata cannot be read.
    pub(crate) async fn all_rows(
        &self,
        version: &StoredVersion,
    ) -> Result<Vec<Vec<Option<String>>>, DatasetError> {
        let format: Format = serde_json::from_str(&version.format)?;
        let columns: Vec<String> = serde_json::from_str(&version.columns)?;
        let rows = usize::try_from(version.rows).unwrap_or_default();
        let blob = self.store.read_from(&version.blob_sha256, 0).await?;

        let start = RowOffset { row: 0, byte: 0 };
        read_blocking(blob, move |reader| {
            lepton_data::read_rows(reader, &format, &columns, start, 0, rows)
        })
        .await
    }

    /// Streams a version as CSV with spreadsheet formulas neutralised.
    ///
    /// # Errors
    ///
    /// [`DatasetError`] when the blob or the metadata cannot be read; errors while streaming
    /// end the stream early and are logged.
    pub(crate) async fn export_csv(
        &self,
        version: &StoredVersion,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, DatasetError>
    {
        let format: Format = serde_json::from_str(&version.format)?;
        let columns: Vec<String> = serde_json::from_str(&version.columns)?;
        let blob = self.store.read_from(&version.blob_sha256, 0).await?;

        let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(8);
        let id = version.id.clone();
        let read = read_blocking(blob, move |reader| {
            let writer = ChunkWriter::new(sender);
            lepton_data::export_csv(reader, &format, &columns, writer)
        });
        tokio::spawn(async move {
            if let Err(error) = read.await {
                tracing::warn!(dataset = %id, %error, "csv download ended early");
            }
        });

        Ok(tokio_stream_of(receiver))
    }
}

/// Feeds a blob stream through a pipe into `work` on a blocking thread.
async fn read_blocking<T, F>(
    mut blob: futures_util::stream::BoxStream<'static, Result<Bytes, object_store::Error>>,
    work: F,
) -> Result<T, DatasetError>
where
    T: Send + 'static,
    F: FnOnce(pipe::PipeReader) -> Result<T, DataError> + Send + 'static,
{
    let (sender, reader) = pipe();
    let worker = tokio::task::spawn_blocking(move || work(reader));

    let mut failure = None;
    while let Some(chunk) = blob.next().await {
        match chunk {
            Ok(chunk) => {
                // The reader stops early once it has what it needs.
                if sender.send(chunk).await.is_err() {
                    break;
                }
            }
            Err(error) => {
                failure = Some(StoreError::from(error));
                break;
            }
        }
    }
    drop(sender);

    let outcome = worker
        .await
        .map_err(|error| DatasetError::Reader(error.to_string()))?;
    if let Some(error) = failure {
        return Err(error.into());
    }
    Ok(outcome?)
}

/// Stores the samples on a new installation, through the same path as an upload. A failure
/// is logged and does not stop the server: the samples are a convenience.
pub(crate) async fn install_samples(datasets: &Datasets, pool: &SqlitePool) {
    match samples_installed(pool).await {
        Ok(true) => return,
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(%error, "cannot tell whether the sample datasets are installed");
            return;
        }
    }

    for sample in samples::all() {
        match catalog::sample_exists(pool, sample.name).await {
            Ok(false) => {}
            Ok(true) => continue,
            Err(error) => {
                tracing::warn!(%error, "cannot look up sample datasets");
                return;
            }
        }
        let request = UploadRequest {
            owner_id: None,
            name: sample.name,
            visibility: Visibility::Shared,
            target: Some(sample.target),
            file_name: None,
        };
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(sample.csv))]);
        if let Err(error) = datasets.upload(pool, body, &request).await {
            tracing::warn!(sample = sample.name, %error, "cannot install a sample dataset");
            return;
        }
    }

    let now = crate::timestamp::format(chrono::Utc::now());
    let marked = sqlx::query("INSERT INTO samples_installed (id, installed_at) VALUES (1, ?)")
        .bind(now)
        .execute(pool)
        .await;
    match marked {
        Ok(_) => tracing::info!("sample datasets installed"),
        Err(error) => tracing::warn!(%error, "cannot record the sample datasets"),
    }
}

async fn samples_installed(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    let row: Option<i64> = sqlx::query_scalar("SELECT 1 FROM samples_installed WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// The JSON columns of a new version.
struct VersionJson {
    format: String,
    columns: String,
    profile: String,
    row_index: String,
    sample: String,
}

impl VersionJson {
    fn of(ingested: &Ingested) -> Result<Self, serde_json::Error> {
        Ok(Self {
            format: serde_json::to_string(&ingested.format)?,
            columns: serde_json::to_string(&ingested.columns)?,
            profile: serde_json::to_string(&ingested.profile)?,
            row_index: serde_json::to_string(&ingested.row_index)?,
            sample: serde_json::to_string(&ingested.sample)?,
        })
    }
}

/// How many warnings a profile raised.
pub(crate) fn warning_count(profile: &DatasetProfile) -> u32 {
    u32::try_from(profile.warnings.len()).unwrap_or(u32::MAX)
}

/// Reads a stored profile and row sample and analyses them for `target`.
///
/// # Errors
///
/// [`DatasetError::Data`] for an unknown or single-class target.
pub(crate) fn analyse_target(
    version: &StoredVersion,
    target: &str,
) -> Result<DatasetProfile, DatasetError> {
    let profile: DatasetProfile = serde_json::from_str(&version.profile)?;
    let sample: RowSample = serde_json::from_str(&version.sample)?;
    Ok(lepton_data::analyse_target(&profile, &sample, target)?)
}

/// A `std::io::Write` that sends what is written, in chunks, to an async receiver.
struct ChunkWriter {
    sender: tokio::sync::mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
}

/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 * 1024;

impl ChunkWriter {
    fn new(sender: tokio::sync::mpsc::Sender<Bytes>) -> Self {
        Self {
            sender,
            buffer: Vec::with_capacity(CHUNK_BYTES),
        }
    }

    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.sender
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "download cancelled"))
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send_buffer()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buffer()
    }
}

impl Drop for ChunkWriter {
    fn drop(&mut self) {
        let _ = self.send_buffer();
    }
}

fn tokio_stream_of(
    mut receiver: tokio::sync::mpsc::Receiver<Bytes>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::poll_fn(move |context| {
        receiver
            .poll_recv(context)
            .map(|chunk| chunk.map(Ok::<_, std::io::Error>))
    })
}
