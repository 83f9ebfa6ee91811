//! Streams a response body to JS under the consumer's credit: a chunk is read from the network
//! only after JS asked for more (`read()`), so a consumer that does not read stops the socket
//! (reference §5 backpressure). The first chunk needs no credit. A decoded body is handed over
//! the same way, one bounded decoding step per chunk.

use bytes::Bytes;

use crate::config::TUNING;
use crate::errors::NetError;
use crate::request::body_budget::{self, Room};
use crate::request::cache::CacheWriter;
use crate::request::decoding::ContentDecoder;
use crate::request::events::Event;
use crate::request::reporter::Reporter;
use crate::wire::pool::Pool;
use crate::wire::transport::BodyReader;

/// A chunk read, with the queue room reserved for it (given back once the chunk is queued).
type Read = (Option<Bytes>, Option<Room>);

/// The body as JS gets it: the bytes off the wire, or their decoding, one step of at most
/// `TUNING.decoded_step` bytes at a time. Each step is taken under the same credit and budget as a
/// read off the network, so a body that inflates a thousandfold still streams at the
/// consumer's pace, one step in memory at a time.
struct Source {
  body: BodyReader,
  decoder: Option<ContentDecoder>,
  /// The wire has nothing more (the decoder has been told).
  wire_done: bool,
  /// The HTTP cache's copy of the body as received, stored once the body is complete.
  tee: Option<CacheWriter>,
}

impl Source {
  /// The most bytes the next [`Source::next`] may bring into memory (see
  /// [`BodyReader::read_bound`]): a decoding step's output, and the read it may need first.
  fn bound(&self) -> usize {
    match &self.decoder {
      None => self.body.read_bound(),
      Some(d) if d.wants_input() && !self.wire_done => {
        self.body.read_bound().max(TUNING.decoded_step)
      }
      Some(_) => TUNING.decoded_step,
    }
  }

  /// The next piece of body for JS, or `None` once it is complete.
  async fn next(&mut self) -> Result<Option<Bytes>, NetError> {
    let Some(decoder) = self.decoder.as_mut() else {
      let read = self.body.next().await?;
      if let (Some(tee), Some(data)) = (self.tee.as_mut(), read.as_ref()) {
        tee.push(data);
      }
      return Ok(read);
    };
    loop {
      if let Some(step) = decoder.pull(TUNING.decoded_step)? {
        return Ok(Some(step));
      }
      if self.wire_done {
        return Ok(None);
      }
      // The decoder wants more of the body, or (done early) is shown what follows its end.
      let raw = if self.body.settle()? {
        None
      } else {
        self.body.next().await?
      };
      match raw {
        Some(raw) => {
          if let Some(tee) = self.tee.as_mut() {
            tee.push(&raw);
          }
          decoder.push(raw)
        }
        None => {
          self.wire_done = true;
          decoder.end_input();
        }
      }
    }
  }

  /// Whether the body is complete, judged from what is already in hand.
  fn settle(&mut self) -> Result<bool, NetError> {
    let Some(decoder) = self.decoder.as_mut() else {
      return self.body.settle();
    };
    if !self.wire_done && decoder.is_done() && self.body.settle()? {
      self.wire_done = true;
      decoder.end_input();
    }
    Ok(self.wire_done && decoder.is_done())
  }
}

pub async fn deliver(
  body: BodyReader,
  decoder: Option<ContentDecoder>,
  tee: Option<CacheWriter>,
  reporter: &Reporter,
  pool: &Pool,
) -> Result<(), NetError> {
  let mut source = Source {
    body,
    decoder,
    wire_done: false,
    tee,
  };
  let mut received = 0u64;
  let (mut next, mut room) = read(&mut source).await?;
  while let Some(data) = next.take() {
    received += data.len() as u64;
    reporter.emit(Event::Data {
      chunk: data,
      received,
    });
    drop(room.take());
    if source.settle()? {
      break;
    }
    // Read the next chunk while JS handles this one (within the read-ahead budget), but hand
    // it over only once JS asks: at most one chunk waits here, so backpressure still reaches
    // the socket. A consumer that is not reading still hears of `closeAllConnections()` at
    // once.
    let mut closed = source.body.close_watch();
    (next, room) = tokio::select! {
      biased;
      () = closed.closed() => return Err(NetError::ERR_ABORTED),
      read = next_when_asked(&mut source, reporter) => read?,
    };
  }
  // Stored before JS hears of the end, so a request it starts right away finds it.
  if let Some(tee) = source.tee.take() {
    tee.commit();
  }
  // Back to the pool before JS hears of the end, so a request it starts right away finds it.
  source.body.finish(pool);
  reporter.emit(Event::End);
  Ok(())
}

/// The next chunk, once the queue has room for it; ends early on `closeAllConnections()`.
async fn read(source: &mut Source) -> Result<Read, NetError> {
  let mut closed = source.body.close_watch();
  tokio::select! {
    biased;
    // Waiting for room does not poll the body, which would notice this itself.
    () = closed.closed() => Err(NetError::ERR_ABORTED),
    read = read_in_budget(source) => read,
  }
}

/// The next chunk, once the queue has room for it.
async fn read_in_budget(source: &mut Source) -> Result<Read, NetError> {
  let (read, room) = body_budget::with_room(source.bound(), source.next()).await;
  Ok((read?, room))
}

/// The next chunk, handed over once JS has asked for it; read while waiting for that, if the
/// read-ahead budget has room (a chunk read ahead counts toward it until handed over).
async fn next_when_asked(source: &mut Source, reporter: &Reporter) -> Result<Read, NetError> {
  let Some(mut ahead) = body_budget::try_ahead(source.bound()) else {
    reporter.wait_for_credit().await;
    // The caller already ends this on `closeAllConnections()`.
    return read_in_budget(source).await;
  };
  let read_ahead = async {
    let read = source.next().await;
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
