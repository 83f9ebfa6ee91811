//! One exchange on a shared HTTP/2 connection (h2): the request's HEADERS, its body, and the
//! response head with a reader for its DATA.

use std::future::poll_fn;
use std::sync::Arc;

use ::h2::{Reason, SendStream};
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::errors::{classify, NetError, Stage};
use crate::wire::header_block::HeaderBlock;
use crate::wire::headers::{self};
use crate::wire::http2::H2Sender;
use crate::wire::pool::CloseWatch;
use crate::wire::upload::{ChunkedUpload, Queued, UploadBody, UploadEvents, UploadMsg};

use super::*;

/// Why an HTTP/2 exchange has no response.
pub(super) struct H2Failure {
  pub(super) error: NetError,
  /// The server did not process the stream: it may be sent again.
  pub(super) refused: bool,
}

impl From<NetError> for H2Failure {
  fn from(error: NetError) -> H2Failure {
    H2Failure {
      error,
      refused: false,
    }
  }
}

/// An h2 failure before the response head: a stream the server refused (RST_STREAM
/// REFUSED_STREAM, or above the last stream of a graceful GOAWAY it sent, which Chromium's
/// `SpdySession` closes with ERR_HTTP2_SERVER_REFUSED_STREAM and resends) or any other (a
/// GOAWAY with an error code is a protocol error, which Chromium does not resend).
fn head_failure(e: &::h2::Error, stage: Stage) -> H2Failure {
  let error = classify(e, stage);
  H2Failure {
    error,
    refused: e.is_remote() && error == NetError::ERR_HTTP2_SERVER_REFUSED_STREAM,
  }
}

/// One HTTP/2 exchange on a shared connection.
pub(super) async fn exchange_h2(
  sender: H2Sender,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
  closed: CloseWatch,
) -> Result<ResponseStart, H2Failure> {
  let wire = crate::wire::http2::wire_headers(
    out.method,
    body_size(&body),
    out.engine,
    out.user,
    out.h2_priority,
  );
  headers::check_wire_safe(&wire)?;
  let header_map = crate::wire::http2::header_map(wire)?;
  let mut request = http::Request::new(());
  *request.method_mut() =
    http::Method::from_bytes(out.method.as_bytes()).map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
  *request.uri_mut() = http::Uri::try_from(&out.url[..url::Position::AfterQuery])
    .map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
  *request.headers_mut() = header_map;
  let http11 = sender.http11_flag();
  let mut send = sender
    .ready()
    .await
    .map_err(|e| head_failure(&e, Stage::SendRequest))?;
  let end_of_stream = matches!(body, UploadBody::Empty);
  let (response, stream) = send
    .send_request(request, end_of_stream)
    .map_err(|e| head_failure(&e, Stage::SendRequest))?;
  // Until this exchange's response body is done with (or dropped: an abort), the upload may go
  // on; after, a pump still waiting for JS resets the stream.
  let upload = send_body(stream, body, events);
  let response = response
    .await
    .map_err(|e| head_failure(&e, Stage::ReadHeaders))?;
  let (lines, bytes) = response.headers().iter().fold((0, 0), |(l, b), (n, v)| {
    (l + 1, b + n.as_str().len() + v.len() + 2)
  });
  let mut headers = HeaderBlock::with_capacity(lines, bytes);
  for (name, value) in response.headers() {
    headers.push(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
  }
  let length = headers
    .get("content-length")
    .and_then(|v| v.trim().parse::<u64>().ok());
  Ok(ResponseStart {
    status: response.status().as_u16(),
    // HTTP/2 has no reason phrase (Chromium reports '').
    status_text: String::new(),
    http_version: "2.0",
    headers,
    body: BodyReader {
      wire: Wire::h2(response.into_body(), length, upload, http11),
      closed,
    },
    tunnel_challenge: false,
  })
}

/// Ends the upload of a stream when dropped: a pump still running resets the stream with
/// CANCEL, as Chromium does when a request goes away.
pub(super) struct UploadGuard {
  _cancel: Option<oneshot::Sender<()>>,
}

/// Starts sending the request body on `stream`: a buffered body goes to h2 at once (it holds
/// what the peer's window does not let out yet); a streamed one is pumped by a task of its own,
/// chunk by chunk as the window opens, so the response can arrive (and be read) before the
/// upload is done.
fn send_body(
  mut stream: SendStream<Bytes>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
) -> UploadGuard {
  match body {
    UploadBody::Empty => UploadGuard { _cancel: None },
    UploadBody::Buffered(bytes) => {
      let total = bytes.len() as u64;
      if total > 0 {
        // The whole buffered body is handed over at once: it counts as sent (reported no
        // sooner than the first progress tick, or when the response starts).
        events.progress(total, total);
      }
      // An error here is the stream's: the response future reports it.
      let _ = stream.send_data(bytes, true);
      UploadGuard { _cancel: None }
    }
    UploadBody::Chunked(ChunkedUpload { rx, queued }) => {
      let (cancel, cancelled) = oneshot::channel();
      crate::wire::runtime::spawn(pump(stream, rx, queued, events.clone(), cancelled));
      UploadGuard {
        _cancel: Some(cancel),
      }
    }
  }
}

/// Sends JS's chunks as the stream's window allows (as hyper's body pipe did): one chunk is
/// taken only once the window has room, so a slow server slows the writer. The stream is reset
/// with CANCEL when JS drops the request without ending the body or the exchange goes away
/// (Chromium closes a stream whose request is done with while its upload still runs).
async fn pump(
  mut stream: SendStream<Bytes>,
  mut rx: mpsc::UnboundedReceiver<UploadMsg>,
  queued: Arc<Queued>,
  events: Arc<dyn UploadEvents>,
  mut cancelled: oneshot::Receiver<()>,
) {
  let sent = tokio::select! {
    biased;
    // The guard's sender never sends: the receiver completes when the guard is dropped.
    _ = &mut cancelled => None,
    sent = send_chunks(&mut stream, &mut rx, &queued, &*events) => Some(sent),
  };
  match sent {
    Some(Sent::All) => {}
    Some(Sent::Dropped) => stream.send_reset(Reason::CANCEL),
    Some(Sent::StreamDone) => {
      // The stream and its connection are not held while JS finishes writing.
      drop(stream);
      discard_rest(rx, &*events).await
    }
    None => {
      stream.send_reset(Reason::CANCEL);
      drop(stream);
      discard_rest(rx, &*events).await
    }
  }
}

/// How an upload's pumping ended.
enum Sent {
  /// JS ended the body and it went out.
  All,
  /// JS dropped the request without ending the body.
  Dropped,
  /// The stream was closed under the upload (a server that answered and reset it, as RFC 9113
  /// §8.1 lets it, or a failed connection: the response reports failures).
  StreamDone,
}

/// Takes what JS still writes once the stream is done with: a server that answered early (and
/// reset the stream, or completed its response) wants no more of the body, and JS's writes and
/// `end()` must still complete instead of waiting for acknowledgements forever. The window is
/// not given back: once it is full, each write waits for its acknowledgement (an event), so a
/// producer that writes whenever `write()` returns true cannot keep JS from the events that end
/// the request.
async fn discard_rest(mut rx: mpsc::UnboundedReceiver<UploadMsg>, events: &dyn UploadEvents) {
  while let Some(msg) = rx.recv().await {
    match msg {
      UploadMsg::Chunk(_, accepted) => {
        if !accepted {
          events.write_ack();
        }
      }
      UploadMsg::End => {
        events.write_ack();
        return;
      }
    }
  }
}

/// The chunks until JS ends the body, JS drops it, or the stream is closed.
async fn send_chunks(
  stream: &mut SendStream<Bytes>,
  rx: &mut mpsc::UnboundedReceiver<UploadMsg>,
  queued: &Queued,
  events: &dyn UploadEvents,
) -> Sent {
  let mut sent = 0u64;
  loop {
    // Room for at least a byte before the next chunk is taken; h2 holds the rest of a chunk
    // until the window lets it out.
    stream.reserve_capacity(1);
    while stream.capacity() == 0 {
      match poll_fn(|cx| stream.poll_capacity(cx)).await {
        Some(Ok(_)) => {}
        Some(Err(_)) | None => return Sent::StreamDone,
      }
    }
    let msg = tokio::select! {
      msg = rx.recv() => msg,
      // A server reset while JS has nothing to send: stop waiting for JS.
      _ = poll_fn(|cx| stream.poll_reset(cx)) => return Sent::StreamDone,
    };
    match msg {
      Some(UploadMsg::Chunk(buffer, accepted)) => {
        let len = buffer.len();
        sent += len as u64;
        queued.sent(len);
        events.progress(sent, sent);
        if !accepted {
          events.write_ack();
        }
        if stream.send_data(buffer, false).is_err() {
          return Sent::StreamDone;
        }
      }
      Some(UploadMsg::End) => {
        events.write_ack();
        return match stream.send_data(Bytes::new(), true) {
          Ok(()) => Sent::All,
          Err(_) => Sent::StreamDone,
        };
      }
      None => return Sent::Dropped,
    }
  }
}
