//! Sending a request on an HTTP/1.1 connection: the head, a buffered or chunked body, and
//! reading the response head back.

use std::sync::Arc;

use bytes::Bytes;

use crate::config::TUNING;
use crate::errors::NetError;
use crate::wire::http1::reuse;
use crate::wire::http1::{self, body::Decoder, request_head, response_head::ResponseHead};
use crate::wire::origin::Target;
use crate::wire::pool::CloseWatch;
use crate::wire::upload::{ChunkedUpload, UploadBody, UploadEvents, UploadMsg};

use super::*;

pub(super) struct SendFailure {
  pub(super) error: NetError,
  /// Nothing was received on a reused connection: the request may be sent again.
  pub(super) retryable: bool,
}

/// Sends the request head and body on an HTTP/1.1 connection and reads the response head.
pub(super) async fn send_h1(
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
  let head = request_head::encode(out.method, request_target(out.url, via_proxy), &wire).map_err(
    |error| SendFailure {
      error,
      retryable: false,
    },
  )?;
  // A failure before any of a chunked body was taken leaves the request as it was: a reused
  // connection's may be retried (the caller decides, from the body).
  let early = |error| SendFailure {
    error,
    retryable: reused,
  };
  let sent = match body {
    UploadBody::Empty => send_head(&mut conn, &head).await.map_err(early),
    UploadBody::Buffered(bytes) => send_buffered(&mut conn, head, bytes, events)
      .await
      .map_err(early),
    UploadBody::Chunked(rx) => match send_head(&mut conn, &head).await {
      Err(e) => Err(early(e)),
      Ok(()) => send_chunked(&mut conn, rx, events)
        .await
        .map_err(|error| SendFailure {
          error,
          retryable: false,
        }),
    },
  };
  // A server may answer and close before it has read the whole request (a 413, a 401 to a
  // large upload): the reset the upload then meets does not hide the answer already sent.
  // Chromium reads the response after an upload's ERR_CONNECTION_RESET and reports the reset
  // only if no response comes (`HttpStreamParser::ShouldTryReadingOnUploadError`).
  let upload_error = match sent {
    Ok(()) => None,
    Err(failure) if failure.error == NetError::ERR_CONNECTION_RESET => Some(failure),
    Err(failure) => return Err(failure),
  };
  match conn.read_head().await {
    Ok(head) => {
      conn.upload_failed = upload_error.is_some();
      Ok((conn, head))
    }
    // The upload's reset, if there was one, rather than what the read met after it.
    Err(e) => {
      let failure = upload_error.unwrap_or_else(|| early(e.error));
      Err(SendFailure {
        retryable: failure.retryable && e.nothing_received,
        ..failure
      })
    }
  }
}

async fn send_head(conn: &mut http1::Connection, head: &[u8]) -> Result<(), NetError> {
  conn.write_all(head).await?;
  conn.flush().await
}

async fn send_buffered(
  conn: &mut http1::Connection,
  head: Vec<u8>,
  bytes: Bytes,
  events: &Arc<dyn UploadEvents>,
) -> Result<(), NetError> {
  let total = bytes.len() as u64;
  if bytes.len() <= TUNING.upload_slice {
    let mut message = head;
    message.extend_from_slice(&bytes);
    conn.write_all(&message).await?;
  } else {
    conn.write_all(&head).await?;
    let mut sent = 0u64;
    for slice in bytes.chunks(TUNING.upload_slice) {
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
      if bytes >= TUNING.upload_batch_bytes || batch.len() >= TUNING.upload_batch_chunks {
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

pub(super) fn response_h1(
  conn: http1::Connection,
  target: &Target,
  out: &Outgoing<'_>,
  head: ResponseHead,
  closed: CloseWatch,
) -> Result<ResponseStart, NetError> {
  let decoder = Decoder::new(http1::body::framing(out.method, &head)?);
  let reusable = !conn.upload_failed && reuse::reusable(out.user, &head, &decoder);
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
