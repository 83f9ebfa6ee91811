//! The request body: replayable bytes (buffered mode, `Content-Length`) or a one-shot stream of
//! chunks written from JS (chunked mode). As in reqwest's `body.rs`, only the first can be re-sent.
//!
//! Chunks arrive from JS through an unbounded channel, bounded by credit: a chunk is accepted at
//! once while less than [`TUNING.upload_window`] bytes wait for the socket (JS's write callback runs
//! immediately, so JS and the socket work in parallel); otherwise JS waits for its `WriteAck`,
//! sent once the engine takes the chunk to write it (which it does only as fast as the socket
//! takes what it holds). JS has at most one unaccepted write, so memory stays bounded by the
//! window plus one chunk, and a slow upload slows the writer (Electron's behaviour, reference
//! §2.4).

use crate::config::TUNING;
use bytes::Bytes;
use tokio::sync::mpsc;

/// What an exchange reports about its request body as it goes out (the request turns it into
/// `'upload-progress'`, on its own schedule, and write acknowledgements for JS).
pub trait UploadEvents: Send + Sync {
  /// `position` of `total` bytes handed to the socket so far. Called as often as bytes go out:
  /// it records, it does not report.
  fn progress(&self, position: u64, total: u64);
  /// A chunk that JS was told to wait for has been taken to be written, or the body ended.
  fn write_ack(&self);
}

pub enum UploadMsg {
  /// A chunk (a JS Buffer lent without copying), and whether JS was told at once that it was
  /// accepted (no `WriteAck` then).
  Chunk(Bytes, bool),
  End,
}

/// Bytes written by JS and not yet handed to the socket.
#[derive(Default)]
pub struct Queued(std::sync::atomic::AtomicUsize);

impl Queued {
  /// Counts a new chunk; true when it fits in the window (accepted at once).
  pub fn add(&self, len: usize) -> bool {
    use std::sync::atomic::Ordering;
    self.0.fetch_add(len, Ordering::SeqCst) + len <= TUNING.upload_window
  }

  pub fn sent(&self, len: usize) {
    self.0.fetch_sub(len, std::sync::atomic::Ordering::SeqCst);
  }
}

pub enum UploadBody {
  Empty,
  /// The whole body, held without copying the JS Buffer.
  Buffered(Bytes),
  Chunked(ChunkedUpload),
}

/// The receiving end of a chunked body.
pub struct ChunkedUpload {
  pub rx: mpsc::UnboundedReceiver<UploadMsg>,
  pub queued: std::sync::Arc<Queued>,
}

impl UploadBody {
  /// A copy that can be sent again (a retry on a stale connection), if the body allows it.
  pub fn replay(&self) -> Option<UploadBody> {
    match self {
      UploadBody::Empty => Some(UploadBody::Empty),
      UploadBody::Buffered(b) => Some(UploadBody::Buffered(b.clone())),
      UploadBody::Chunked(_) => None,
    }
  }
}
