//! Reading a response body off the wire (HTTP/1.1 framing or HTTP/2 DATA frames).

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;

use crate::config::TUNING;
use crate::errors::{classify, NetError, Stage};
use crate::wire::http1::read_block::{self, Block};
use crate::wire::http1::{self, body::Decoder};
use crate::wire::http2::MAX_FRAME_SIZE;
use crate::wire::origin::Target;
use crate::wire::pool::{CloseWatch, Pool};

use super::h2::UploadGuard;

/// The next non-empty DATA frame of an HTTP/2 body (trailers are skipped: Electron has none).
/// Its bytes are given back to the stream's and the session's windows at once, as hyper did:
/// what bounds the data in hand is how fast the engine hands chunks to JS.
async fn next_h2_data(body: &mut h2::RecvStream) -> Result<Option<Bytes>, NetError> {
  loop {
    match poll_fn(|cx| body.poll_data(cx)).await {
      None => return Ok(None),
      // RST_STREAM(NO_ERROR) is a server done with the exchange (RFC 9113 §8.1): the body ends
      // there, as Chromium's `SpdyStream::OnClose` ends it once the head has come, rather than
      // failing. A graceful GOAWAY below this stream is no such thing: Chromium fails the
      // stream (ERR_HTTP2_SERVER_REFUSED_STREAM), which `classify` names.
      Some(Err(e)) if e.reason() == Some(h2::Reason::NO_ERROR) && !e.is_go_away() => {
        return Ok(None)
      }
      Some(Err(e)) => return Err(classify(&e, Stage::ReadBody)),
      Some(Ok(data)) => {
        // Fails only once the stream is gone, which the next read reports.
        let _ = body.flow_control().release_capacity(data.len());
        if !data.is_empty() {
          return Ok(Some(data));
        }
      }
    }
  }
}

/// Reads a response body, whichever protocol carries it, until the session closes its
/// connections.
pub struct BodyReader {
  pub(super) wire: Wire,
  pub(super) closed: CloseWatch,
}

pub(super) enum Wire {
  H1 {
    conn: Box<http1::Connection>,
    decoder: Decoder,
    target: Target,
    reusable: bool,
  },
  H2(Box<H2Body>),
  /// No body (a tunnel's 407, whose connection is dropped).
  Empty,
  /// A body kept by the session's HTTP cache (request/cache), read off memory or disk.
  Stored(Box<dyn StoredBody>),
}

/// An HTTP/2 body, and the recycled block that the DATA frames already received are joined into.
pub(super) struct H2Body {
  incoming: h2::RecvStream,
  /// The request's upload, if still going: reset with the stream when this body is dropped.
  _upload: UploadGuard,
  block: Option<Block>,
  /// A large body: its length says so, or frames in hand came to 128 KiB at once.
  large: bool,
  /// An error met after frames already joined into a chunk: the next read returns it.
  failed: Option<NetError>,
  /// The connection's "the server asked for HTTP/1.1" (`H2Sender::asked_for_http11`).
  http11: Arc<AtomicBool>,
}

impl Wire {
  /// An HTTP/2 body, `length` long if the response said so.
  pub(super) fn h2(
    incoming: h2::RecvStream,
    length: Option<u64>,
    upload: UploadGuard,
    http11: Arc<AtomicBool>,
  ) -> Wire {
    let large = length.is_some_and(|n| n >= read_block::BLOCK as u64);
    Wire::H2(Box::new(H2Body {
      incoming,
      _upload: upload,
      block: None,
      large,
      failed: None,
      http11,
    }))
  }
}

/// A response body that is not on a connection: what the HTTP cache serves. Defined here so
/// the wire reads it like any other body without knowing the cache.
pub trait StoredBody: Send {
  /// The next piece (at most `max` bytes), or `None` once all of it was read.
  fn read(&mut self, max: usize) -> Result<Option<Bytes>, NetError>;
  /// Whether everything was read.
  fn is_done(&self) -> bool;
}

impl BodyReader {
  /// A stored body, read as the session's connections are (`closeAllConnections()` ends it).
  pub fn stored(body: Box<dyn StoredBody>, closed: CloseWatch) -> BodyReader {
    BodyReader {
      wire: Wire::Stored(body),
      closed,
    }
  }

  /// Whether this body comes from the HTTP cache rather than a connection.
  pub fn is_stored(&self) -> bool {
    matches!(self.wire, Wire::Stored(_))
  }

  /// The next piece of body, or `None` once it is complete.
  pub async fn next(&mut self) -> Result<Option<Bytes>, NetError> {
    tokio::select! {
      biased;
      () = self.closed.closed() => Err(NetError::ERR_ABORTED),
      read = self.wire.next() => read,
    }
  }

  /// The most bytes the next [`BodyReader::next`] may read off the network (0 where the
  /// protocol's own flow control buffers: HTTP/2).
  pub fn read_bound(&self) -> usize {
    match &self.wire {
      Wire::H1 { conn, decoder, .. } => conn.read_bound(decoder),
      Wire::H2(_) | Wire::Empty => 0,
      Wire::Stored(_) => TUNING.read_chunk,
    }
  }

  /// What ends this body early: `closeAllConnections()` (see [`CloseWatch`]).
  pub fn close_watch(&self) -> CloseWatch {
    self.closed.clone()
  }

  /// Whether the body is complete, judged from what is already received.
  pub fn settle(&mut self) -> Result<bool, NetError> {
    match &mut self.wire {
      Wire::H1 { conn, decoder, .. } => conn.settle(decoder),
      Wire::H2(body) => Ok(body.failed.is_none() && body.incoming.is_end_stream()),
      Wire::Empty => Ok(true),
      Wire::Stored(body) => Ok(body.is_done()),
    }
  }

  /// Gives a cleanly finished HTTP/1.1 connection back to the pool.
  pub fn finish(self, pool: &Pool) {
    if let Wire::H1 {
      conn,
      decoder,
      target,
      reusable,
    } = self.wire
    {
      if reusable && decoder.is_done() && !conn.has_leftover() {
        let mut conn = *conn;
        conn.release_read_buffer();
        pool.checkin(&target, conn, &self.closed);
      }
    }
  }

  /// Reads and drops a body nobody will see (a redirect's or a challenge's), so the connection
  /// can be reused; a connection that cannot be (a body that runs to the close, or
  /// `Connection: close`) is closed at once, unread, as Chromium does
  /// (`HttpNetworkTransaction::~HttpNetworkTransaction` closes a stream that fails
  /// `HttpStreamParser::CanReuseConnection`): reading it to its end would let a server that
  /// trickles it hold the redirect forever. A framed body is drained only while it is small
  /// and arrives promptly (Chromium drains in the background, giving up after 16 KiB or 5 s,
  /// `HttpResponseBodyDrainer`; here the next hop waits for it, so briefly).
  pub async fn discard(mut self, pool: &Pool) {
    if let Wire::H1 {
      reusable: false, ..
    } = self.wire
    {
      return;
    }
    let drain = async {
      let mut drained = 0;
      loop {
        match self.settle() {
          Ok(true) => return true,
          Ok(false) => {}
          Err(_) => return false,
        }
        match self.next().await {
          Ok(Some(data)) => {
            drained += data.len();
            if drained > TUNING.drain_limit {
              return false;
            }
          }
          Ok(None) => return true,
          Err(_) => return false,
        }
      }
    };
    if let Ok(true) = tokio::time::timeout(TUNING.drain_time, drain).await {
      self.finish(pool);
    }
  }
}

impl Wire {
  async fn next(&mut self) -> Result<Option<Bytes>, NetError> {
    match self {
      Wire::H1 { conn, decoder, .. } => conn.read_body(decoder).await,
      Wire::Empty => Ok(None),
      Wire::Stored(body) => body.read(TUNING.read_chunk),
      Wire::H2(body) => body.next().await,
    }
  }
}

impl H2Body {
  /// The next DATA frame, and with it whatever else has already arrived, up to the HTTP/1
  /// read size, as one chunk: HTTP/2 delivers small frames (nginx sends 8 KiB), and each chunk
  /// costs JS an event. In a large body (1 MiB or more, or frames in hand that came to
  /// 128 KiB at once) they are copied into a recycled block (`read_block`), as a large HTTP/1
  /// download reads into one: a fresh buffer per chunk cost page faults (~10 % of the engine
  /// thread on bench W10). Elsewhere they go into a buffer of their own size (a 1 MiB block per
  /// small response would be mostly unused). A frame that arrives alone is handed over as it
  /// is.
  async fn next(&mut self) -> Result<Option<Bytes>, NetError> {
    let next = self.next_chunk().await;
    if matches!(next, Err(e) if e == NetError::ERR_HTTP_1_1_REQUIRED) {
      // Too late to send this request again (JS has its head), but not the next one.
      self.http11.store(true, Ordering::Relaxed);
    }
    next
  }

  async fn next_chunk(&mut self) -> Result<Option<Bytes>, NetError> {
    if let Some(e) = self.failed.take() {
      return Err(e);
    }
    let Some(first) = next_h2_data(&mut self.incoming).await? else {
      return Ok(None);
    };
    let mut more = Vec::new();
    let mut total = first.len();
    // Frames are at most MAX_FRAME_SIZE (h2 refuses larger ones): the chunk fits a block.
    while total + MAX_FRAME_SIZE <= TUNING.read_chunk {
      match next_h2_data(&mut self.incoming).now_or_never() {
        Some(Ok(Some(frame))) => {
          total += frame.len();
          more.push(frame);
        }
        // After the frames already taken: JS gets them first, then the error.
        Some(Err(e)) => {
          self.failed = Some(e);
          break;
        }
        Some(Ok(None)) | None => break,
      }
    }
    if more.is_empty() {
      return Ok(Some(first));
    }
    let frames = std::iter::once(first).chain(more);
    self.large |= total >= TUNING.block_min_room;
    if !self.large {
      let mut joined = bytes::BytesMut::with_capacity(total);
      for frame in frames {
        joined.extend_from_slice(&frame);
      }
      return Ok(Some(joined.freeze()));
    }
    let mut block = match self.block.take() {
      Some(block) if block.room_len() >= total => block,
      _ => Block::take(),
    };
    let room = block.room();
    let mut filled = 0;
    for frame in frames {
      room[filled..filled + frame.len()].copy_from_slice(&frame);
      filled += frame.len();
    }
    let chunk = block.lend(filled);
    if block.room_len() >= TUNING.block_min_room {
      self.block = Some(block);
    }
    Ok(Some(chunk))
  }
}
