//! Streams a response body to JS under the consumer's credit: a chunk is read from the network
//! only after JS asked for more (`read()`), so a consumer that does not read stops the socket
//! (reference §5 backpressure). The first chunk needs no credit.

use crate::bridge::Event;
use crate::decoding::ContentDecoder;
use crate::errors::NetError;
use crate::pool::Pool;
use crate::reporter::Reporter;
use crate::transport::BodyReader;

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
      // Read the next chunk while JS handles this one, but hand it over only once JS asks:
      // at most one chunk waits here, so backpressure still reaches the socket. A consumer
      // that is not reading still hears of `closeAllConnections()` at once.
      let mut closed = body.close_watch();
      let (read, ()) = tokio::select! {
        biased;
        () = closed.closed() => return Err(NetError::ERR_ABORTED),
        both = async { tokio::join!(body.next(), reporter.wait_for_credit()) } => both,
      };
      next = read?;
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
