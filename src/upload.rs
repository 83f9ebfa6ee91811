//! The request body: replayable bytes (buffered mode, `Content-Length`) or a one-shot stream of
//! chunks written from JS (chunked mode). As in reqwest's `body.rs`, only the first can be re-sent.
//!
//! Chunks arrive from JS through an unbounded channel, but JS never has more than one write
//! outstanding: the next `write()` waits for this chunk's `WriteAck`, which is sent once the
//! chunk has been handed to the socket. So memory stays bounded by one chunk, and a slow
//! upload slows the writer (Electron's behaviour, reference §2.4).

use bytes::Bytes;
use napi::bindgen_prelude::Buffer;
use tokio::sync::mpsc;

pub enum UploadMsg {
  Chunk(Buffer),
  End,
}

pub enum UploadBody {
  Empty,
  /// The whole body, held without copying the JS Buffer.
  Buffered(Bytes),
  Chunked(mpsc::UnboundedReceiver<UploadMsg>),
}

impl UploadBody {
  pub fn buffered(buffer: Buffer) -> UploadBody {
    UploadBody::Buffered(Bytes::from_owner(buffer))
  }

  /// A copy that can be sent again (a retry on a stale connection), if the body allows it.
  pub fn replay(&self) -> Option<UploadBody> {
    match self {
      UploadBody::Empty => Some(UploadBody::Empty),
      UploadBody::Buffered(b) => Some(UploadBody::Buffered(b.clone())),
      UploadBody::Chunked(_) => None,
    }
  }
}

/// Throttles `'upload-progress'` to Chromium's cadence (about every 100 ms, reference §2.7).
pub struct ProgressClock {
  last: Option<std::time::Instant>,
}

impl ProgressClock {
  pub fn new() -> ProgressClock {
    ProgressClock { last: None }
  }

  pub fn due(&mut self) -> bool {
    let now = std::time::Instant::now();
    match self.last {
      Some(t) if now.duration_since(t) < std::time::Duration::from_millis(100) => false,
      _ => {
        self.last = Some(now);
        true
      }
    }
  }
}
