//! Streams a response body to JS under the consumer's credit: a chunk is read from the network
//! only after JS asked for more (`read()`), so a consumer that does not read stops the socket
//! (reference §5 backpressure). The first chunk needs no credit.

use bytes::Bytes;

use crate::errors::NetError;
use crate::request::body_budget::{self, Room};
use crate::request::decoding::ContentDecoder;
use crate::request::events::Event;
use crate::request::reporter::Reporter;
use crate::wire::pool::Pool;
use crate::wire::transport::BodyReader;

/// A chunk read, with the queue room reserved for it (given back once the chunk is queued).
type Read = (Option<Bytes>, Option<Room>);

pub async fn deliver(
  mut body: BodyReader,
  mut decoder: Option<ContentDecoder>,
  reporter: &Reporter,
  pool: &Pool,
) -> Result<(), NetError> {
  let mut received = 0u64;
  let (mut next, mut room) = read(&mut body).await?;
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
    drop(room.take());
    if body.settle()? {
      break;
    }
    if delivered {
      // Read the next chunk while JS handles this one (within the read-ahead budget), but hand
      // it over only once JS asks: at most one chunk waits here, so backpressure still
      // reaches the socket. A consumer that is not reading still hears of
      // `closeAllConnections()` at once.
      let mut closed = body.close_watch();
      (next, room) = tokio::select! {
        biased;
        () = closed.closed() => return Err(NetError::ERR_ABORTED),
        read = next_when_asked(&mut body, reporter) => read?,
      };
    } else {
      (next, room) = read(&mut body).await?;
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

/// The next chunk, once the queue has room for it; ends early on `closeAllConnections()`.
async fn read(body: &mut BodyReader) -> Result<Read, NetError> {
  let mut closed = body.close_watch();
  tokio::select! {
    biased;
    // Waiting for room does not poll the body, which would notice this itself.
    () = closed.closed() => Err(NetError::ERR_ABORTED),
    read = read_in_budget(body) => read,
  }
}

/// The next chunk, once the queue has room for it.
async fn read_in_budget(body: &mut BodyReader) -> Result<Read, NetError> {
  let (read, room) = body_budget::with_room(body.read_bound(), body.next()).await;
  Ok((read?, room))
}

/// The next chunk, handed over once JS has asked for it; read while waiting for that, if the
/// read-ahead budget has room (a chunk read ahead counts toward it until handed over).
async fn next_when_asked(body: &mut BodyReader, reporter: &Reporter) -> Result<Read, NetError> {
  let Some(mut ahead) = body_budget::try_ahead(body.read_bound()) else {
    reporter.wait_for_credit().await;
    // The caller already ends this on `closeAllConnections()`.
    return read_in_budget(body).await;
  };
  let read_ahead = async {
    let read = body.next().await;
    ahead.resize(
      read
        .as_ref()
        .ok()
        .and_then(|r| r.as_ref())
        .map_or(0, Bytes::len),
    );
    read
  };
  let (read, ()) = tokio::join!(read_ahead, reporter.wait_for_credit());
  Ok((read?, None))
}
