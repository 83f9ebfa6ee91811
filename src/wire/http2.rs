//! HTTP/2 over the `h2` crate (hyper's own HTTP/2 implementation, used directly), negotiated by
//! ALPN. Header names are lower-case on the wire in HTTP/2, so `http`'s `HeaderMap` loses nothing
//! `rawHeaders` needs here.
//!
//! hyper's client connection put a dispatch channel, a spawned task and a oneshot between each
//! request and h2 (~3 % of bench W8's CPU); here the request's own task opens its stream, and a
//! streamed upload is pumped by a task of its own (`transport::h2`).

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};

use crate::errors::{classify, NetError, Stage};
use crate::wire::headers::{find, merge, BodySize, EngineHeaders, WireHeader};
use crate::wire::http1::Io;

/// The receive windows and header limits Chromium announces (`net/spdy/spdy_session.h`,
/// `net/http/http_network_session.cc`): SETTINGS `HEADER_TABLE_SIZE` 64 KiB,
/// `INITIAL_WINDOW_SIZE` 6 MiB per stream, `MAX_HEADER_LIST_SIZE` 256 KiB, and a session window
/// raised to 15 MiB by a WINDOW_UPDATE (hyper's defaults were 2 MiB, 5 MiB and a 16 KiB header
/// list). A large download then never waits for a window update on a fast link: the
/// server may have 6 MiB in flight while the engine hands 1 MiB chunks to JS.
pub const STREAM_WINDOW: u32 = 6 * 1024 * 1024;
pub const SESSION_WINDOW: u32 = 15 * 1024 * 1024;
pub const HEADER_TABLE_SIZE: u32 = 64 * 1024;
pub const MAX_HEADER_LIST_SIZE: u32 = 256 * 1024;
/// The largest DATA frame a server may send (SETTINGS `MAX_FRAME_SIZE` left at RFC 9113's
/// default, as Chromium leaves it).
pub const MAX_FRAME_SIZE: usize = 16 * 1024;
/// Request body bytes h2 may hold for one stream beyond what the peer's window lets out.
const MAX_SEND_BUFFER: usize = 1024 * 1024;
/// Streams opened before the server's SETTINGS say how many it allows (RFC 9113 recommends no
/// fewer than 100).
const INITIAL_MAX_SEND_STREAMS: usize = 100;

/// [`H2Sender::health`].
pub struct Health {
  /// No new stream can go on the connection: the server sent GOAWAY, or the connection failed
  /// or ended (h2 records either as the connection's error, and its task, once done, drops the
  /// connection, which records a closed one): a request would fail instead of taking a new
  /// connection.
  pub closed: bool,
  /// The server asked for HTTP/1.1 on it: a stream's HTTP_1_1_REQUIRED after its head, or a
  /// GOAWAY with that code (whatever streams the GOAWAY still lets finish). Chromium drains the
  /// whole session then (`SpdySession::OnGoAway`, `OnRstStream`).
  pub wants_http11: bool,
}

/// A handle on a shared HTTP/2 connection, cloned for each request.
#[derive(Clone)]
pub struct H2Sender {
  send: h2::client::SendRequest<Bytes>,
  /// A stream on this connection was answered with HTTP_1_1_REQUIRED after its response head
  /// (the body reader sets it): the pool marks the server at its next look at the connection.
  http11: Arc<AtomicBool>,
  /// Handed out by the pool as a session already in use (Chromium's `SpdySession::IsReused`:
  /// frames came in on it): a failure of the connection before the response head may be its
  /// going away as the request went out, and the request is sent again on a new one.
  pub reused: bool,
}

impl H2Sender {
  /// What the pool needs to know before handing the session out, from one look at the error h2
  /// has recorded (no stream is pending on the pooled handle, so the look registers no waker).
  pub fn health(&mut self) -> Health {
    let mut cx = Context::from_waker(Waker::noop());
    let error = match self.send.poll_ready(&mut cx) {
      Poll::Ready(Err(e)) => Some(e),
      _ => None,
    };
    Health {
      wants_http11: self.http11.load(Ordering::Relaxed)
        || error
          .as_ref()
          .is_some_and(|e| e.is_remote() && e.reason() == Some(h2::Reason::HTTP_1_1_REQUIRED)),
      closed: error.is_some(),
    }
  }

  /// A handle on this session for another request.
  pub fn reuse(&self) -> H2Sender {
    H2Sender {
      reused: true,
      ..self.clone()
    }
  }

  /// What a response body on this connection sets when its stream gets HTTP_1_1_REQUIRED.
  pub fn http11_flag(&self) -> Arc<AtomicBool> {
    self.http11.clone()
  }

  /// The h2 handle, once the connection may open another stream (the server's
  /// `MAX_CONCURRENT_STREAMS` can make this wait).
  pub async fn ready(self) -> Result<h2::client::SendRequest<Bytes>, h2::Error> {
    self.send.ready().await
  }
}

/// Performs the HTTP/2 handshake over a TLS stream that negotiated `h2`, with the SETTINGS
/// above, and starts the connection's task.
pub async fn handshake<T: Io + 'static>(io: T) -> Result<H2Sender, NetError> {
  let (send, mut connection) = h2::client::Builder::new()
    .initial_max_send_streams(INITIAL_MAX_SEND_STREAMS)
    .initial_window_size(STREAM_WINDOW)
    .initial_connection_window_size(SESSION_WINDOW)
    .header_table_size(HEADER_TABLE_SIZE)
    .max_header_list_size(MAX_HEADER_LIST_SIZE)
    .max_frame_size(MAX_FRAME_SIZE as u32)
    .max_send_buffer_size(MAX_SEND_BUFFER)
    .enable_push(false)
    .handshake::<T, Bytes>(io)
    .await
    .map_err(|e| classify(&e, Stage::Connect))?;
  // Chromium raises the session window at once (a WINDOW_UPDATE after the SETTINGS).
  connection.set_target_window_size(SESSION_WINDOW);
  // Runs until the peer goes away, or every handle and stream is gone (h2 wakes the connection
  // when the last handle drops, and it then closes with a GOAWAY); its errors reach each
  // request through its own stream.
  crate::wire::runtime::spawn(async move {
    let _ = connection.await;
  });
  Ok(H2Sender {
    send,
    http11: Arc::default(),
    reused: false,
  })
}

/// Connection-specific headers that HTTP/2 forbids (RFC 9113 §8.2.2).
const H2_FORBIDDEN: [&str; 6] = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
];

/// The regular (non-pseudo) headers of an HTTP/2 request, spelled as given (`header_map`
/// lower-cases the names, as they go on the wire); `priority` (RFC 9218) last unless the caller
/// set one.
pub fn wire_headers<'a>(
  method: &str,
  body: BodySize,
  engine: &'a EngineHeaders,
  user: &'a [(String, String)],
  priority: Option<&'static str>,
) -> Vec<WireHeader<'a>> {
  let mut list: Vec<WireHeader<'a>> = Vec::with_capacity(user.len() + 11);
  match body {
    BodySize::Known(n) => list.push(("content-length", n.to_string().into())),
    BodySize::None if method == "POST" || method == "PUT" => {
      list.push(("content-length", "0".into()))
    }
    _ => {}
  }
  merge(&mut list, engine, user);
  if let Some(priority) = priority {
    if find(&list, "priority").is_none() {
      list.push(("priority", priority.into()));
    }
  }
  list.retain(|(n, _)| !H2_FORBIDDEN.iter().any(|f| n.eq_ignore_ascii_case(f)));
  list
}

/// Names the engine sends on most requests that are not among `http`'s standard headers (which
/// it matches without an allocation): from here they cost no copy per request.
static ENGINE_NAMES: [HeaderName; 5] = [
  HeaderName::from_static("sec-fetch-site"),
  HeaderName::from_static("sec-fetch-mode"),
  HeaderName::from_static("sec-fetch-dest"),
  HeaderName::from_static("sec-fetch-user"),
  HeaderName::from_static("priority"),
];

fn header_name(name: &str) -> Result<HeaderName, NetError> {
  if let Some(known) = ENGINE_NAMES
    .iter()
    .find(|known| known.as_str().eq_ignore_ascii_case(name))
  {
    return Ok(known.clone());
  }
  HeaderName::from_bytes(name.as_bytes()).map_err(|_| NetError::ERR_INVALID_ARGUMENT)
}

/// The headers as they go out in HEADERS: names lower-cased, values moved rather than copied where
/// they are already owned (one request's head used to cost two copies of every header).
pub fn header_map(list: Vec<WireHeader<'_>>) -> Result<HeaderMap, NetError> {
  let mut map = HeaderMap::with_capacity(list.len());
  for (name, value) in list {
    let name = header_name(name)?;
    let value = match value {
      Cow::Borrowed(v) => HeaderValue::from_str(v),
      Cow::Owned(v) => HeaderValue::try_from(v),
    }
    .map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
    map.append(name, value);
  }
  Ok(map)
}

/// The headers as they go on the wire, lower-cased (for the tests).
#[cfg(test)]
pub fn compose(
  method: &str,
  body: BodySize,
  engine: &EngineHeaders,
  user: &[(String, String)],
) -> Vec<(String, String)> {
  wire_headers(method, body, engine, user, None)
    .into_iter()
    .map(|(n, v)| (n.to_ascii_lowercase(), v.into_owned()))
    .collect()
}
