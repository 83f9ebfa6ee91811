//! One hop on the wire: take a connection from the session's pool, send the head and body over
//! HTTP/1.1 (our codec) or HTTP/2 (hyper), and return the response head with a reader for its
//! body. Redirects, auth and delivery to JS are the loader's business. Through an http proxy,
//! an http URL's request goes to the proxy in absolute form; an https URL's goes through a
//! CONNECT tunnel the pool opens.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use http_body::Body as _;
use http_body_util::BodyExt;
use url::Url;

use crate::errors::{classify, NetError, Stage};
use crate::wire::header_block::HeaderBlock;
use crate::wire::headers::{self, BodySize, EngineHeaders};
use crate::wire::http1::reuse;
use crate::wire::http1::{self, body::Decoder, request_head, response_head::ResponseHead};
use crate::wire::http2::{H2Body, H2Sender};
use crate::wire::origin::Target;
use crate::wire::pool::{CloseWatch, Conn, ConnectError, Pool, TunnelRequest};
use crate::wire::upload::{ChunkedUpload, UploadBody, UploadEvents, UploadMsg};

/// The request as it goes out on this hop.
pub struct Outgoing<'a> {
  pub method: &'a str,
  pub url: &'a Url,
  /// The caller's headers for this hop, in order and spelled as given.
  pub user: &'a [(String, String)],
  pub engine: &'a EngineHeaders,
  /// RFC 9218 `priority` value, sent on HTTP/2 only (reference §8.3).
  pub h2_priority: Option<&'static str>,
  /// Proxy credentials for the CONNECT of a tunnel (through a proxy without a tunnel they are
  /// one of the engine's headers instead).
  pub tunnel_authorization: Option<&'a str>,
}

pub struct ResponseStart {
  pub status: u16,
  pub status_text: String,
  pub http_version: &'static str,
  /// As received: original case and order over HTTP/1.x.
  pub headers: HeaderBlock,
  pub body: BodyReader,
  /// A 407 answering the CONNECT of a tunnel, not a response from the origin: it may lead to
  /// `'login'` but is never delivered (reference §4.1).
  pub tunnel_challenge: bool,
}

impl ResponseStart {
  pub fn header(&self, name: &str) -> Option<&str> {
    self.headers.get(name)
  }

  pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    self.headers.values(name)
  }
}

/// The next non-empty DATA frame of an HTTP/2 body (trailers are skipped: Electron has none).
async fn next_h2_data(body: &mut hyper::body::Incoming) -> Result<Option<Bytes>, NetError> {
  loop {
    match body.frame().await {
      None => return Ok(None),
      Some(Err(e)) => return Err(classify(&e, Stage::ReadBody)),
      Some(Ok(frame)) => {
        if let Ok(data) = frame.into_data() {
          if !data.is_empty() {
            return Ok(Some(data));
          }
        }
      }
    }
  }
}

/// Reads a response body, whichever protocol carries it, until the session closes its
/// connections.
pub struct BodyReader {
  wire: Wire,
  closed: CloseWatch,
}

enum Wire {
  H1 {
    conn: Box<http1::Connection>,
    decoder: Decoder,
    target: Target,
    reusable: bool,
  },
  H2(hyper::body::Incoming),
  /// No body (a tunnel's 407, whose connection is dropped).
  Empty,
}

impl BodyReader {
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
      Wire::H2(body) => Ok(body.is_end_stream()),
      Wire::Empty => Ok(true),
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
        pool.checkin(&target, conn, self.closed.generation);
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
    const DRAIN_LIMIT: usize = 64 * 1024;
    const DRAIN_TIME: std::time::Duration = std::time::Duration::from_millis(500);
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
            if drained > DRAIN_LIMIT {
              return false;
            }
          }
          Ok(None) => return true,
          Err(_) => return false,
        }
      }
    };
    if let Ok(true) = tokio::time::timeout(DRAIN_TIME, drain).await {
      self.finish(pool);
    }
  }
}

impl Wire {
  async fn next(&mut self) -> Result<Option<Bytes>, NetError> {
    match self {
      Wire::H1 { conn, decoder, .. } => conn.read_body(decoder).await,
      Wire::Empty => Ok(None),
      Wire::H2(body) => {
        let Some(first) = next_h2_data(body).await? else {
          return Ok(None);
        };
        // HTTP/2 delivers small DATA frames (16 KiB by default): hand JS whatever else has
        // already arrived with this one, up to the HTTP/1 read size, in one chunk.
        let mut more = Vec::new();
        let mut total = first.len();
        while total < http1::READ_CHUNK {
          match next_h2_data(body).now_or_never() {
            Some(Ok(Some(data))) => {
              total += data.len();
              more.push(data);
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(None)) | None => break,
          }
        }
        if more.is_empty() {
          return Ok(Some(first));
        }
        let mut joined = bytes::BytesMut::with_capacity(total);
        joined.extend_from_slice(&first);
        for data in more {
          joined.extend_from_slice(&data);
        }
        Ok(Some(joined.freeze()))
      }
    }
  }
}

/// The request target: origin-form (`/path?query`), or absolute-form to a proxy without a
/// tunnel (RFC 9112 §3.2.2).
fn request_target(url: &Url, via_proxy: bool) -> &str {
  if via_proxy {
    &url[..url::Position::AfterQuery]
  } else {
    &url[url::Position::BeforePath..url::Position::AfterQuery]
  }
}

fn host_header(url: &Url) -> &str {
  &url[url::Position::BeforeHost..url::Position::AfterPort]
}

fn body_size(body: &UploadBody) -> BodySize {
  match body {
    UploadBody::Empty => BodySize::None,
    UploadBody::Buffered(b) => BodySize::Known(b.len() as u64),
    UploadBody::Chunked(_) => BodySize::Chunked,
  }
}

/// Performs one hop and returns once the final (non-1xx) response head has arrived.
/// `closeAllConnections()` ends it, at any stage, with `net::ERR_ABORTED`; dropping the
/// exchange drops its connection, which closes the socket.
pub async fn exchange(
  pool: &Pool,
  target: &Target,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
) -> Result<ResponseStart, NetError> {
  let mut closed = pool.watch();
  let watch = closed.clone();
  tokio::select! {
    biased;
    () = closed.closed() => Err(NetError::ERR_ABORTED),
    result = exchange_on(pool, target, out, body, events, watch, false) => result,
  }
}

/// What the CONNECT of a tunnel carries: the request's `User-Agent` and proxy credentials.
fn tunnel_request<'a>(out: &Outgoing<'a>) -> TunnelRequest<'a> {
  TunnelRequest {
    user_agent: headers::get(out.user, "user-agent")
      .or(headers::get(&out.engine.last, "user-agent")),
    proxy_authorization: out.tunnel_authorization,
  }
}

/// A tunnel's 407 as a response the loader can decide on (never delivered to JS).
fn tunnel_challenge(head: ResponseHead, closed: CloseWatch) -> ResponseStart {
  ResponseStart {
    status: head.status,
    status_text: head.reason,
    http_version: "1.1",
    headers: head.headers,
    body: BodyReader {
      wire: Wire::Empty,
      closed,
    },
    tunnel_challenge: true,
  }
}

/// `fresh`: on a new connection rather than a pooled one (the retry below; a new connection is
/// never retried, as nothing of it was reused).
async fn exchange_on(
  pool: &Pool,
  target: &Target,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
  closed: CloseWatch,
  fresh: bool,
) -> Result<ResponseStart, NetError> {
  let conn = if fresh {
    // Boxed, as `checkout` boxes it: connecting is most of a request's task state.
    Box::pin(pool.connect(target, tunnel_request(out))).await
  } else {
    pool.checkout(target, tunnel_request(out)).await
  };
  let conn = match conn {
    Ok(conn) => conn,
    Err(ConnectError::Net(e)) => return Err(e),
    Err(ConnectError::TunnelAuth(head)) => return Ok(tunnel_challenge(head, closed)),
  };
  match conn {
    // Boxed, as the retry below: the common exchange, HTTP/1.1 on a pooled connection, then
    // keeps a small task state.
    Conn::H2(sender) => Box::pin(exchange_h2(sender, out, body, events, closed)).await,
    Conn::H1(conn) => {
      let replay = if conn.reused { body.replay() } else { None };
      match send_h1(conn, target, out, body, events).await {
        // A 408 ("Request Timeout") on a reused keep-alive connection is the server timing the
        // connection out as the request arrived, not an answer to it: sent again once, on a new
        // connection, this one dropped (Chromium's `HttpNetworkTransaction::
        // DoReadHeadersComplete`, HTTP/1.1 only; `ResetConnectionAndRequestForResend` closes
        // the socket). A body that cannot be sent again gets the 408.
        Ok((conn, head)) if head.status == 408 && replay.is_some() => {
          drop(conn);
          let body = replay.unwrap_or(UploadBody::Empty);
          Box::pin(exchange_on(pool, target, out, body, events, closed, true)).await
        }
        Ok((conn, head)) => response_h1(conn, target, out, head, closed),
        // A reused keep-alive connection the server had already closed: retry once on a new
        // one, as hyper and Chromium do, when the body can be sent again.
        Err(SendFailure {
          retryable: true,
          error,
        }) => {
          let Some(body) = replay else {
            return Err(error);
          };
          Box::pin(exchange_on(pool, target, out, body, events, closed, true)).await
        }
        Err(failure) => Err(failure.error),
      }
    }
  }
}

struct SendFailure {
  error: NetError,
  /// Nothing was received on a reused connection: the request may be sent again.
  retryable: bool,
}

/// Slice size for buffered uploads, so progress can be reported while a large body is sent.
pub const UPLOAD_SLICE: usize = 256 * 1024;

/// Sends the request head and body on an HTTP/1.1 connection and reads the response head.
async fn send_h1(
  mut conn: http1::Connection,
  target: &Target,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
) -> Result<(http1::Connection, ResponseHead), SendFailure> {
  let reused = conn.reused;
  let via_proxy = target.via_proxy();
  let wire = request_head::compose(
    host_header(out.url),
    out.method,
    body_size(&body),
    via_proxy,
    out.engine,
    out.user,
  );
  headers::check_wire_safe(&wire).map_err(|error| SendFailure {
    error,
    retryable: false,
  })?;
  let head = request_head::encode(out.method, request_target(out.url, via_proxy), &wire);
  let early = |error: NetError| SendFailure {
    error,
    retryable: reused,
  };
  match body {
    UploadBody::Empty => {
      conn.write_all(&head).await.map_err(early)?;
      conn.flush().await.map_err(early)?;
    }
    UploadBody::Buffered(bytes) => {
      send_buffered(&mut conn, head, bytes, events)
        .await
        .map_err(early)?;
    }
    UploadBody::Chunked(rx) => {
      conn.write_all(&head).await.map_err(early)?;
      conn.flush().await.map_err(early)?;
      send_chunked(&mut conn, rx, events)
        .await
        .map_err(|error| SendFailure {
          error,
          retryable: false,
        })?;
    }
  }
  match conn.read_head().await {
    Ok(head) => Ok((conn, head)),
    Err(e) => Err(SendFailure {
      error: e.error,
      retryable: reused && e.nothing_received,
    }),
  }
}

async fn send_buffered(
  conn: &mut http1::Connection,
  head: Vec<u8>,
  bytes: Bytes,
  events: &Arc<dyn UploadEvents>,
) -> Result<(), NetError> {
  let total = bytes.len() as u64;
  if bytes.len() <= UPLOAD_SLICE {
    let mut message = head;
    message.extend_from_slice(&bytes);
    conn.write_all(&message).await?;
  } else {
    conn.write_all(&head).await?;
    let mut sent = 0u64;
    for slice in bytes.chunks(UPLOAD_SLICE) {
      conn.write_all(slice).await?;
      sent += slice.len() as u64;
      events.progress(sent, total);
    }
  }
  conn.flush().await?;
  if total > 0 {
    events.progress(total, total);
  }
  Ok(())
}

async fn send_chunked(
  conn: &mut http1::Connection,
  upload: ChunkedUpload,
  events: &Arc<dyn UploadEvents>,
) -> Result<(), NetError> {
  let ChunkedUpload { mut rx, queued } = upload;
  let mut sent = 0u64;
  let mut batch = Vec::new();
  loop {
    let Some(mut msg) = rx.recv().await else {
      // The JS request went away without ending its body.
      return Err(NetError::ERR_FAILED);
    };
    // Whatever else JS has written by now goes out in the same system call: with small writes
    // (64 KiB from a file stream) one call per chunk, and the worker waiting on JS between
    // them, cost a third of the rate (bench W4).
    let mut bytes = 0;
    let last = loop {
      let UploadMsg::Chunk(chunk, accepted) = msg else {
        break true;
      };
      bytes += chunk.len();
      if !accepted {
        // Answered as the chunk is taken, not once it is written: JS then refills the window
        // while this batch goes out. Answered after the write, JS learnt of the room only once
        // the whole window had drained, and the socket idled while JS refilled it (bench W4).
        // Memory stays bounded: the window counts every byte until it is written.
        events.write_ack();
      }
      batch.push(chunk);
      if bytes >= UPLOAD_BATCH_BYTES || batch.len() >= UPLOAD_BATCH_CHUNKS {
        break false;
      }
      match rx.try_recv() {
        Ok(next) => msg = next,
        Err(_) => break false,
      }
    };
    let chunks: Vec<&[u8]> = batch.iter().map(|chunk| &chunk[..]).collect();
    conn.write_chunks(&chunks, last).await?;
    for chunk in batch.drain(..) {
      sent += chunk.len() as u64;
      queued.sent(chunk.len());
    }
    // The total of a chunked body is unknown until it ends (Electron leaves it open,
    // reference §2.7): the bytes sent so far are both position and total.
    events.progress(sent, sent);
    if last {
      events.write_ack();
      return Ok(());
    }
  }
}

/// A batch of a chunked body stops growing once it holds this much (so it is at most this plus
/// one chunk)...
const UPLOAD_BATCH_BYTES: usize = 1024 * 1024;
/// ...or this many chunks (three iovecs each, well under Linux's 1,024 per call).
const UPLOAD_BATCH_CHUNKS: usize = 64;

fn response_h1(
  conn: http1::Connection,
  target: &Target,
  out: &Outgoing<'_>,
  head: ResponseHead,
  closed: CloseWatch,
) -> Result<ResponseStart, NetError> {
  let decoder = Decoder::new(http1::body::framing(out.method, &head)?);
  let reusable = reuse::reusable(out.user, &head, &decoder);
  Ok(ResponseStart {
    status: head.status,
    status_text: head.reason,
    http_version: if head.minor_version == 0 {
      "1.0"
    } else {
      "1.1"
    },
    headers: head.headers,
    body: BodyReader {
      wire: Wire::H1 {
        conn: Box::new(conn),
        decoder,
        target: target.clone(),
        reusable,
      },
      closed,
    },
    tunnel_challenge: false,
  })
}

/// One HTTP/2 exchange on a shared connection.
async fn exchange_h2(
  mut sender: H2Sender,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
  closed: CloseWatch,
) -> Result<ResponseStart, NetError> {
  let mut engine = out.engine.clone();
  if let Some(priority) = out.h2_priority {
    engine.last.push(("priority", priority.into()));
  }
  let wire = crate::wire::http2::compose(out.method, body_size(&body), &engine, out.user);
  headers::check_wire_safe(&wire)?;
  let h2_body = h2_body(body, events);
  let mut builder = http::Request::builder()
    .method(out.method)
    .uri(&out.url[..url::Position::AfterQuery]);
  for (name, value) in &wire {
    builder = builder.header(name.as_str(), value.as_str());
  }
  let request = builder
    .body(h2_body)
    .map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
  sender
    .ready()
    .await
    .map_err(|e| classify(&e, Stage::SendRequest))?;
  let response = sender
    .send_request(request)
    .await
    .map_err(|e| classify(&e, Stage::ReadHeaders))?;
  let headers = response
    .headers()
    .iter()
    .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v.as_bytes())))
    .collect();
  Ok(ResponseStart {
    status: response.status().as_u16(),
    // HTTP/2 has no reason phrase (Chromium reports '').
    status_text: String::new(),
    http_version: "2.0",
    headers,
    body: BodyReader {
      wire: Wire::H2(response.into_body()),
      closed,
    },
    tunnel_challenge: false,
  })
}

fn h2_body(body: UploadBody, events: &Arc<dyn UploadEvents>) -> H2Body {
  match body {
    UploadBody::Empty => H2Body::Empty,
    UploadBody::Buffered(bytes) => {
      let total = bytes.len() as u64;
      if total > 0 {
        // hyper takes the whole buffered body at once: it counts as handed over (reported no
        // sooner than the first progress tick, or when the response starts).
        events.progress(total, total);
      }
      H2Body::Full(Some(bytes))
    }
    UploadBody::Chunked(ChunkedUpload { rx, queued }) => {
      let events = events.clone();
      let mut sent = 0u64;
      H2Body::Stream {
        rx,
        done: false,
        listener: Box::new(move |chunk| {
          // A chunk taken (acknowledged unless JS was told at once), or the end (always).
          if let Some((len, accepted)) = chunk {
            sent += len as u64;
            queued.sent(len);
            events.progress(sent, sent);
            if accepted {
              return;
            }
          }
          events.write_ack();
        }),
      }
    }
  }
}
