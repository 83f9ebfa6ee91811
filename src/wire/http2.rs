//! HTTP/2 through hyper's client connection, negotiated by ALPN. Header names are lower-case on
//! the wire in HTTP/2, so hyper's `HeaderMap` loses nothing `rawHeaders` needs here.

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http_body::{Body, Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::mpsc;

use crate::errors::{classify, NetError, Stage};
use crate::wire::headers::{find, merge, BodySize, EngineHeaders, WireHeader};
use crate::wire::http1::Io;
use crate::wire::upload::UploadMsg;

pub type H2Sender = hyper::client::conn::http2::SendRequest<H2Body>;

/// The receive windows and header limits Chromium announces (`net/spdy/spdy_session.h`,
/// `net/http/http_network_session.cc`): SETTINGS `HEADER_TABLE_SIZE` 64 KiB,
/// `INITIAL_WINDOW_SIZE` 6 MiB per stream, `MAX_HEADER_LIST_SIZE` 256 KiB, and a session window
/// raised to 15 MiB by a WINDOW_UPDATE (hyper's own defaults: 2 MiB, 5 MiB, a 16 KiB header
/// list). A large download then never waits for a window update on a fast link: the
/// server may have 6 MiB in flight while the engine hands 1 MiB chunks to JS.
pub const STREAM_WINDOW: u32 = 6 * 1024 * 1024;
pub const SESSION_WINDOW: u32 = 15 * 1024 * 1024;
pub const HEADER_TABLE_SIZE: u32 = 64 * 1024;
pub const MAX_HEADER_LIST_SIZE: u32 = 256 * 1024;
/// The largest DATA frame a server may send (SETTINGS `MAX_FRAME_SIZE` left at RFC 9113's
/// default, as Chromium leaves it).
pub const MAX_FRAME_SIZE: usize = 16 * 1024;

/// Performs the HTTP/2 handshake over a TLS stream that negotiated `h2`.
pub async fn handshake<T: Io + 'static>(io: T) -> Result<H2Sender, NetError> {
  let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
    .initial_stream_window_size(STREAM_WINDOW)
    .initial_connection_window_size(SESSION_WINDOW)
    .header_table_size(HEADER_TABLE_SIZE)
    .max_header_list_size(MAX_HEADER_LIST_SIZE)
    .max_frame_size(MAX_FRAME_SIZE as u32)
    .handshake(TokioIo::new(io))
    .await
    .map_err(|e| classify(&e, Stage::Connect))?;
  tokio::spawn(async move {
    // The connection task ends when the peer goes away or every sender is dropped; its error
    // reaches each request through its own response future.
    let _ = connection.await;
  });
  Ok(sender)
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

/// The headers as hyper sends them: names lower-cased, values moved rather than copied where
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

/// Called for each streamed chunk handed to hyper (its length, and whether JS was told it was
/// accepted at once) and once with `None` at the end, to acknowledge JS writes and report
/// upload progress.
pub type ChunkListener = Box<dyn FnMut(Option<(usize, bool)>) + Send>;

/// A request body for hyper: nothing, a buffered body, or chunks streamed from JS.
pub enum H2Body {
  Empty,
  Full(Option<Bytes>),
  Stream {
    rx: mpsc::UnboundedReceiver<UploadMsg>,
    listener: ChunkListener,
    done: bool,
  },
}

impl Body for H2Body {
  type Data = Bytes;
  type Error = std::io::Error;

  fn poll_frame(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
    match self.get_mut() {
      H2Body::Empty => Poll::Ready(None),
      H2Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
      H2Body::Stream { rx, listener, done } => {
        if *done {
          return Poll::Ready(None);
        }
        match rx.poll_recv(cx) {
          Poll::Ready(Some(UploadMsg::Chunk(buffer, accepted))) => {
            listener(Some((buffer.len(), accepted)));
            Poll::Ready(Some(Ok(Frame::data(buffer))))
          }
          Poll::Ready(Some(UploadMsg::End)) => {
            *done = true;
            listener(None);
            Poll::Ready(None)
          }
          // JS dropped the request without ending the body.
          Poll::Ready(None) => Poll::Ready(Some(Err(std::io::Error::other(NetError::ERR_FAILED)))),
          Poll::Pending => Poll::Pending,
        }
      }
    }
  }

  fn is_end_stream(&self) -> bool {
    match self {
      H2Body::Empty => true,
      H2Body::Full(data) => data.is_none(),
      H2Body::Stream { done, .. } => *done,
    }
  }

  fn size_hint(&self) -> SizeHint {
    match self {
      H2Body::Empty => SizeHint::with_exact(0),
      H2Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
      H2Body::Full(None) => SizeHint::with_exact(0),
      H2Body::Stream { .. } => SizeHint::default(),
    }
  }
}
