//! Streams a response body to JS under the consumer's credit: a chunk is read from the network
//! only after JS asked for more (`read()`), so a consumer that does not read stops the socket
//! (reference §5 backpressure). The first chunk needs no credit.

use bytes::Bytes;

use crate::bridge::{queued_body_bytes, Event, HeldBody};
use crate::decoding::ContentDecoder;
use crate::errors::NetError;
use crate::pool::Pool;
use crate::reporter::Reporter;
use crate::transport::BodyReader;

/// Reading ahead of JS stops while this much body is queued for JS across all requests: with
/// many responses at once and JS behind, each one's next chunk would wait in memory instead of
/// in its socket (bench W5, 1,000 responses at once: peak RSS -20 MiB). One large download
/// stays far below it and keeps reading while JS handles the previous chunk.
const READ_AHEAD_LIMIT: usize = 4 * 1024 * 1024;

pub async fn deliver(
  mut body: BodyReader,
  mut decoder: Option<ContentDecoder>,
  reporter: &Reporter,
  pool: &Pool,
) -> Result<(), NetError> {
  let mut received = 0u64;
  let mut next = body.next().await?;
  while let Some(raw) = next.take() {
    let data = match decoder.as_mut() {
      Some(d) => d.feed(&raw).await?,
      None => raw,
    };
    let delivered = !data.is_empty();
    if delivered {
      received += data.len() as u64;
      reporter.emit(Event::Data {
        chunk: data,
        received,
      });
    }
    if body.settle()? {
      break;
    }
    if delivered {
      // Read the next chunk while JS handles this one (within `READ_AHEAD_LIMIT`), but hand
      // it over only once JS asks: at most one chunk waits here, so backpressure still
      // reaches the socket. A consumer that is not reading still hears of
      // `closeAllConnections()` at once.
      let mut closed = body.close_watch();
      next = tokio::select! {
        biased;
        () = closed.closed() => return Err(NetError::ERR_ABORTED),
        read = next_when_asked(&mut body, reporter) => read?,
      };
    } else {
      next = body.next().await?;
    }
  }
  if let Some(d) = decoder.as_mut() {
    let tail = d.finish().await?;
    if !tail.is_empty() {
      received += tail.len() as u64;
      reporter.emit(Event::Data {
        chunk: tail,
        received,
      });
    }
  }
  // Back to the pool before JS hears of the end, so a request it starts right away finds it.
  body.finish(pool);
  reporter.emit(Event::End);
  Ok(())
}

/// The next chunk, handed over once JS has asked for it; read while waiting for that, unless
/// `READ_AHEAD_LIMIT` is reached (a chunk read ahead counts toward it until handed over).
async fn next_when_asked(
  body: &mut BodyReader,
  reporter: &Reporter,
) -> Result<Option<Bytes>, NetError> {
  if queued_body_bytes() >= READ_AHEAD_LIMIT {
    reporter.wait_for_credit().await;
    return body.next().await;
  }
  let ahead = async {
    let read = body.next().await;
    let held = match &read {
      Ok(Some(data)) => Some(HeldBody::new(data.len())),
      _ => None,
    };
    (read, held)
  };
  let ((read, _held), ()) = tokio::join!(ahead, reporter.wait_for_credit());
  read
}
