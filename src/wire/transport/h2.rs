//! One exchange on a shared HTTP/2 connection (hyper).

use std::sync::Arc;

use crate::errors::{classify, NetError, Stage};
use crate::wire::header_block::HeaderBlock;
use crate::wire::headers::{self};
use crate::wire::http2::{H2Body, H2Sender};
use crate::wire::pool::CloseWatch;
use crate::wire::upload::{ChunkedUpload, UploadBody, UploadEvents};

use super::*;

/// One HTTP/2 exchange on a shared connection.
pub(super) async fn exchange_h2(
  mut sender: H2Sender,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
  closed: CloseWatch,
) -> Result<ResponseStart, NetError> {
  let wire = crate::wire::http2::wire_headers(
    out.method,
    body_size(&body),
    out.engine,
    out.user,
    out.h2_priority,
  );
  headers::check_wire_safe(&wire)?;
  let header_map = crate::wire::http2::header_map(wire)?;
  let mut request = http::Request::new(h2_body(body, events));
  *request.method_mut() =
    http::Method::from_bytes(out.method.as_bytes()).map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
  *request.uri_mut() = http::Uri::try_from(&out.url[..url::Position::AfterQuery])
    .map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
  *request.headers_mut() = header_map;
  sender
    .ready()
    .await
    .map_err(|e| classify(&e, Stage::SendRequest))?;
  let response = sender
    .send_request(request)
    .await
    .map_err(|e| classify(&e, Stage::ReadHeaders))?;
  let (lines, bytes) = response.headers().iter().fold((0, 0), |(l, b), (n, v)| {
    (l + 1, b + n.as_str().len() + v.len() + 2)
  });
  let mut headers = HeaderBlock::with_capacity(lines, bytes);
  for (name, value) in response.headers() {
    headers.push(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
  }
  Ok(ResponseStart {
    status: response.status().as_u16(),
    // HTTP/2 has no reason phrase (Chromium reports '').
    status_text: String::new(),
    http_version: "2.0",
    headers,
    body: BodyReader {
      wire: Wire::h2(response.into_body()),
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
