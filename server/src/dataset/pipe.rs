//! A bounded pipe from async code to a blocking reader.
//!
//! The dataset engine (`lepton_data`) reads with `std::io::Read` and is CPU-bound, so it runs
//! on a blocking thread while the request body, or a blob read from the store, arrives as an
//! async stream of chunks. The pipe holds at most [`CHUNKS_IN_FLIGHT`] chunks: a slow parser
//! slows the sender down instead of letting chunks pile up in memory.

use std::io::Read;

use bytes::{Buf, Bytes};
use tokio::sync::mpsc;

/// Chunks buffered between the two ends.
const CHUNKS_IN_FLIGHT: usize = 8;

/// The async end: sends chunks.
#[derive(Debug)]
pub(crate) struct PipeSender(mpsc::Sender<Bytes>);

/// The blocking end: reads the chunks as one byte stream, which ends when the sender is
/// dropped.
#[derive(Debug)]
pub(crate) struct PipeReader {
    receiver: mpsc::Receiver<Bytes>,
    current: Bytes,
}

/// The reader hung up: it finished or failed and wants no more bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reader stopped reading")]
pub(crate) struct ReaderGone;

/// A new pipe.
pub(crate) fn pipe() -> (PipeSender, PipeReader) {
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let reader = PipeReader {
        receiver,
        current: Bytes::new(),
    };
    (PipeSender(sender), reader)
}

impl PipeSender {
    /// Sends one chunk, waiting while the pipe is full.
    ///
    /// # Errors
    ///
    /// [`ReaderGone`] once the reader is dropped.
    pub(crate) async fn send(&self, chunk: Bytes) -> Result<(), ReaderGone> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.0.send(chunk).await.map_err(|_| ReaderGone)
    }
}

impl Read for PipeReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            // Must not run on an async worker thread: the readers run in `spawn_blocking`.
            match self.receiver.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }

        let count = buffer.len().min(self.current.len());
        buffer[..count].copy_from_slice(&self.current[..count]);
        self.current.advance(count);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_reader_sees_every_byte_in_order() {
        let (sender, mut reader) = pipe();
        let reading = tokio::task::spawn_blocking(move || {
            let mut text = String::new();
            reader.read_to_string(&mut text).map(|_| text)
        });

        for chunk in ["id,x\n", "", "1,2", "\n2,3\n"] {
            sender.send(Bytes::from(chunk)).await.unwrap();
        }
        drop(sender);
        assert_eq!(reading.await.unwrap().unwrap(), "id,x\n1,2\n2,3\n");
    }

    #[tokio::test]
    async fn the_sender_hears_when_the_reader_gives_up() {
        let (sender, reader) = pipe();
        drop(reader);
        assert_eq!(sender.send(Bytes::from("x")).await, Err(ReaderGone));
    }
}
