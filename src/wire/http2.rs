//! HTTP/2 through hyper's client connection, negotiated by ALPN. Header names are lower-case on
//! the wire in HTTP/2, so hyper's `HeaderMap` loses nothing `rawHeaders` needs here.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::mpsc;

use crate::errors::{classify, NetError, Stage};
use crate::wire::headers::{merge, BodySize, EngineHeaders, WireHeader};
use crate::wire::http1::Io;
use crate::wire::upload::UploadMsg;

pub type H2Sender = hyper::client::conn::http2::SendRequest<H2Body>;

/// Performs the HTTP/2 handshake over a TLS stream that negotiated `h2`.
pub async fn handshake<T: Io + 'static>(io: T) -> Result<H2Sender, NetError> {
  let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
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

/// The regular (non-pseudo) headers of an HTTP/2 request; names are lower-case on the wire.
pub fn compose(
  method: &str,
  body: BodySize,
  engine: &EngineHeaders,
  user: &[(String, String)],
) -> Vec<(String, String)> {
  let mut list: Vec<WireHeader<'_>> = Vec::with_capacity(user.len() + 10);
  match body {
    BodySize::Known(n) => list.push(("content-length", n.to_string().into())),
    BodySize::None if method == "POST" || method == "PUT" => {
      list.push(("content-length", "0".into()))
    }
    _ => {}
  }
  merge(&mut list, engine, user);
  list
    .into_iter()
    .filter(|(n, _)| !H2_FORBIDDEN.iter().any(|f| n.eq_ignore_ascii_case(f)))
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
