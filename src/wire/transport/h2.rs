//! One exchange on a shared HTTP/2 connection (hyper).

use std::sync::Arc;

use crate::errors::{classify, NetError, Stage};
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
