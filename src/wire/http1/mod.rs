//! Our own HTTP/1.1 client connection: the request head goes out byte-exact (caller's header
//! spelling and order) and the response head is captured raw, which reqwest/hyper cannot do.
//! HTTP/2 goes through hyper (see `http2.rs`), where names are lower-case on the wire anyway.

pub mod body;
pub mod head_scan;
pub mod plain_tcp;
pub mod read_block;
pub mod request_head;
pub mod response_head;
pub mod reuse;

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use self::body::Decoder;
use self::head_scan::HeadScan;
use self::plain_tcp::PlainTcp;
use self::read_block::Block;
use self::response_head::ResponseHead;
use crate::config::TUNING;
use crate::errors::{classify_io, NetError, Stage};

/// Any byte stream a connection can run over (plain TCP or TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub struct Connection {
  io: Stream,
  buf: BytesMut,
  /// The connection served an earlier request (a failure before any response byte may then be a
  /// server-side keep-alive close, which is retried once, as hyper and Chromium do).
  pub reused: bool,
  secure: bool,
  /// Size of the next socket read (see [`TUNING.read_chunk`]).
  read_size: usize,
  /// The block the next direct read goes into, after the chunks already lent out of it.
  spare: Option<Block>,
  /// A read failure that came after bytes still to be delivered (see `read_direct`).
  failed: Option<NetError>,
  /// The socket joined tokio's reactor only so the pool could watch it while idle
  /// (`wire::idle`): it leaves again when a request takes the connection.
  idle_joined: bool,
  /// Sending the request failed (the server closed the connection while the body went out)
  /// and the response was read anyway: the connection is not reused.
  pub upload_failed: bool,
}

mod stream;
use self::stream::Stream;
pub use self::stream::TlsOverTcp;

/// A failure while waiting for the response head.
#[derive(Debug)]
pub struct HeadError {
  pub error: NetError,
  /// No byte of a response arrived before the failure.
  pub nothing_received: bool,
}

impl Connection {
  pub fn new(io: Box<dyn Io>, secure: bool) -> Connection {
    Connection::over(Stream::Other(io), secure)
  }

  /// A connection over plain TCP.
  pub fn plain(tcp: tokio::net::TcpStream) -> Connection {
    Connection::over(Stream::Plain(PlainTcp::new(tcp)), false)
  }

  /// A connection over TLS straight over a socket, which the JS thread can read too.
  pub fn tls(tls: TlsOverTcp) -> Connection {
    Connection::over(Stream::Tls(Box::new(tls)), true)
  }

  fn over(io: Stream, secure: bool) -> Connection {
    Connection {
      io,
      buf: BytesMut::with_capacity(TUNING.first_read),
      reused: false,
      secure,
      read_size: TUNING.first_read,
      spare: None,
      failed: None,
      idle_joined: false,
      upload_failed: false,
    }
  }

  /// Reads heads by https's rules from now on (a head cut off by the close is
  /// `ERR_RESPONSE_HEADERS_TRUNCATED`, never delivered): a CONNECT's reply, whose request
  /// Chromium makes for the https origin it tunnels to.
  pub fn read_heads_as_https(&mut self) {
    self.secure = true;
  }

  pub async fn write_all(&mut self, data: &[u8]) -> Result<(), NetError> {
    self
      .io
      .write_all(data)
      .await
      .map_err(|e| classify_io(&e, Stage::SendRequest))
  }

  /// Writes chunks of a `Transfer-Encoding: chunked` body (RFC 9112 §7.1), each framed as its
  /// own chunk, in one vectored write, and flushes; `last` appends the zero-size chunk that ends
  /// the body.
  pub async fn write_chunks(&mut self, chunks: &[&[u8]], last: bool) -> Result<(), NetError> {
    let framed: Vec<(String, &[u8])> = chunks
      .iter()
      // A zero-size chunk would end the body.
      .filter(|c| !c.is_empty())
      .map(|c| (format!("{:x}\r\n", c.len()), *c))
      .collect();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(framed.len() * 3 + 1);
    for (size_line, data) in &framed {
      parts.extend_from_slice(&[size_line.as_bytes(), data, b"\r\n"]);
    }
    if last {
      parts.push(b"0\r\n\r\n");
    }
    self.write_vectored_all(&parts).await?;
    // Over TLS, records the socket could not take yet would otherwise wait for the next write
    // (a pausing writer would stall the server); over TCP this costs nothing.
    self.flush().await
  }

  pub async fn flush(&mut self) -> Result<(), NetError> {
    self
      .io
      .flush()
      .await
      .map_err(|e| classify_io(&e, Stage::SendRequest))
  }

  async fn write_vectored_all(&mut self, parts: &[&[u8]]) -> Result<(), NetError> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut written = 0;
    while written < total {
      let mut slices = Vec::with_capacity(parts.len());
      let mut skip = written;
      for part in parts {
        if skip >= part.len() {
          skip -= part.len();
          continue;
        }
        slices.push(io::IoSlice::new(&part[skip..]));
        skip = 0;
      }
      let n = self
        .io
        .write_vectored(&slices)
        .await
        .map_err(|e| classify_io(&e, Stage::SendRequest))?;
      if n == 0 {
        return Err(classify_io(
          &io::Error::from(io::ErrorKind::WriteZero),
          Stage::SendRequest,
        ));
      }
      written += n;
    }
    Ok(())
  }

  /// The size of the next body read. `expected` bounds it to what the body still needs, so
  /// many small responses at once stay small in memory.
  fn body_read_size(&self, expected: Option<u64>) -> usize {
    match expected {
      Some(left) => self.read_size.min((left as usize).max(TUNING.first_read)),
      None => self.read_size,
    }
  }

  /// Reads up to about `want` more bytes into the buffer; `Ok(0)` is the peer closing.
  async fn fill(&mut self, stage: Stage, want: usize) -> Result<usize, NetError> {
    if self.buf.capacity() - self.buf.len() < want / 2 {
      self.buf.reserve(want);
    }
    if let Some(error) = self.failed.take() {
      return Err(error);
    }
    let spare = self.buf.capacity() - self.buf.len();
    let n = match std::future::poll_fn(|cx| self.poll_fill(cx)).await {
      Ok(n) => self.top_up(n, spare, stage),
      Err(e) if unclean_tls_close(&e) => 0,
      Err(e) => return Err(read_error(&e, stage)),
    };
    if n == spare && self.read_size < TUNING.read_chunk {
      self.read_size *= 2;
    }
    Ok(n)
  }

  /// Over TLS a read returns about one record's worth (16 KiB): this takes whatever else has
  /// arrived already, without waiting, so that reads come back full and grow as they do over
  /// TCP, up to the recycled blocks of a large download (`read_direct`). Without it a large
  /// HTTPS body went out in fresh 16 KiB-1 MiB buffers, ~160 fresh pages per MiB (bench W9).
  fn top_up(&mut self, mut n: usize, spare: usize, stage: Stage) -> usize {
    if matches!(self.io, Stream::Plain(_)) {
      // One `recv` already took everything there was room for.
      return n;
    }
    let mut cx = Context::from_waker(std::task::Waker::noop());
    while n > 0 && n < spare {
      match self.poll_fill(&mut cx) {
        Poll::Ready(Ok(0)) | Poll::Pending => break,
        Poll::Ready(Ok(more)) => n += more,
        // The end shows up again on the next read.
        Poll::Ready(Err(e)) if unclean_tls_close(&e) => break,
        // After bytes already read: the next read returns it (a reset is not repeated).
        Poll::Ready(Err(e)) => {
          self.failed = Some(read_error(&e, stage));
          break;
        }
      }
    }
    // The read that found nothing more must not leave a watch asked for: these bytes go on.
    if let Some(fd) = self.io.tcp().and_then(PlainTcp::fd) {
      crate::wire::socket_watch::unwant(fd);
    }
    n
  }

  /// One read into the buffer's spare room. When this task is polled on the JS thread and the
  /// socket is our own (plain, or under TLS), the socket is read right here (`PlainTcp`'s
  /// `read_here`); else through tokio.
  fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
    let here = match self.io.tcp_mut() {
      Some(tcp) if crate::wire::socket_watch::polling_here() => {
        tcp.set_read_here(true);
        tcp.fd()
      }
      _ => None,
    };
    let mut read_buf = ReadBuf::uninit(self.buf.spare_capacity_mut());
    let polled = Pin::new(&mut self.io).poll_read(cx, &mut read_buf);
    let n = read_buf.filled().len();
    if let Some(fd) = here {
      if let Some(tcp) = self.io.tcp_mut() {
        tcp.set_read_here(false);
      }
      // Over TLS the socket's read can come back empty (and ask for a watch) while the stream
      // still returns bytes it had decrypted already: the caller goes on instead of waiting.
      if polled.is_ready() {
        crate::wire::socket_watch::unwant(fd);
      }
    }
    ready!(polled)?;
    // SAFETY: the reader initialised the `n` bytes it filled.
    unsafe { self.buf.advance_mut(n) };
    Poll::Ready(Ok(n))
  }

  /// Reads the final response head, skipping 1xx interim responses (RFC 9110 §15.2).
  ///
  /// The search for the end of the head carries over from one read to the next (`HeadScan`),
  /// and the head is parsed once, when it is complete (Chromium's
  /// `HttpStreamParser::FindAndParseResponseHeaders`).
  pub async fn read_head(&mut self) -> Result<ResponseHead, HeadError> {
    let mut seen_any = false;
    let mut scan = HeadScan::default();
    loop {
      let fail = |error| HeadError {
        error,
        nothing_received: false,
      };
      if let Some(end) = scan.find_end(&self.buf).map_err(fail)? {
        let head = response_head::parse_head(&self.buf[..end], false).map_err(fail)?;
        self.buf.advance(end);
        seen_any = true;
        // Every 1xx, 101 included: we never ask for an upgrade (no WebSocket), and Chromium's
        // `HttpNetworkTransaction::DoReadHeadersComplete` skips any 1xx of a request that is
        // not a WebSocket handshake, reading the head after it.
        if (100..200).contains(&head.status) {
          continue;
        }
        return Ok(head);
      }
      let before = self.buf.len();
      let n = self
        .fill(Stage::ReadHeaders, self.read_size)
        .await
        .map_err(|error| HeadError {
          error,
          nothing_received: !seen_any && before == 0,
        })?;
      if n == 0 {
        // Over plain HTTP, Chromium parses a head cut off by the close as well as it can and
        // delivers it (`HttpStreamParser::HandleReadHeaderResult`, then
        // `HttpNetworkTransaction::DoReadHeadersComplete` takes the response); bytes with no
        // status line would be HTTP/0.9, which it refuses on other than the default port and
        // we refuse everywhere. Over https the truncation could be an attack.
        if before > 0 && !self.secure {
          if !scan.found_status_line() {
            return Err(fail(NetError::ERR_INVALID_HTTP_RESPONSE));
          }
          let head = response_head::parse_head(&self.buf, true).map_err(fail)?;
          self.buf.clear();
          seen_any = true;
          scan = HeadScan::default();
          if (100..200).contains(&head.status) {
            continue;
          }
          return Ok(head);
        }
        // Only bytes of the final head count: a close right after `100 Continue` is an empty
        // response, as in Chromium.
        return Err(HeadError {
          error: crate::errors::closed_during_head(before > 0, self.secure),
          nothing_received: !seen_any && before == 0,
        });
      }
    }
  }

  /// Next piece of body, or `None` once the body is complete.
  pub async fn read_body(&mut self, decoder: &mut Decoder) -> Result<Option<Bytes>, NetError> {
    // A read failure kept for later (`failed`) is returned by the next read (`fill`,
    // `read_direct`), not here: the bytes read before it come first, and may end the body (a
    // reset right after the last record, read together with it by `top_up`).
    loop {
      if let Some(data) = decoder.decode(&mut self.buf, TUNING.read_chunk)? {
        if self.buf.is_empty() {
          // The chunk owns the allocation now: a buffer kept here would share it, holding a
          // read's worth of memory per connection while JS gets to the chunk (many
          // responses at once: bench W5). The next read takes a fresh one.
          self.buf = BytesMut::new();
        }
        return Ok(Some(data));
      }
      if decoder.is_done() {
        return Ok(None);
      }
      if let Some(limit) = self.direct_read_limit(decoder) {
        return self.read_direct(decoder, limit).await;
      }
      let want = self.body_read_size(decoder.remaining_hint());
      let n = self.fill(Stage::ReadBody, want).await?;
      if n == 0 {
        decoder.at_eof()?;
        return Ok(None);
      }
    }
  }

  /// How much body the next read may take straight into a recycled block (`read_direct`), if
  /// it takes that path: nothing is buffered, and the body is large and arriving fast.
  fn direct_read_limit(&self, decoder: &Decoder) -> Option<u64> {
    if !self.buf.is_empty() || self.read_size < TUNING.read_chunk {
      return None;
    }
    decoder
      .direct_limit()
      .filter(|&n| n >= TUNING.direct_read_min as u64)
  }

  /// The most bytes the next `read_body` may read off the socket: what it may add to memory
  /// (see `body_budget`).
  pub fn read_bound(&self, decoder: &Decoder) -> usize {
    if decoder.is_done() {
      return 0;
    }
    if let Some(limit) = self.direct_read_limit(decoder) {
      return limit.min(read_block::BLOCK as u64) as usize;
    }
    let want = self.body_read_size(decoder.remaining_hint());
    want.max(self.buf.capacity() - self.buf.len())
  }

  /// Reads body bytes straight into a recycled block (see `read_block`): once a download is
  /// large and fast (reads come back full at the largest size), the connection's buffer would
  /// add only fresh memory per chunk.
  async fn read_direct(
    &mut self,
    decoder: &mut Decoder,
    limit: u64,
  ) -> Result<Option<Bytes>, NetError> {
    if let Some(error) = self.failed.take() {
      return Err(error);
    }
    let mut block = self.spare.take().unwrap_or_else(Block::take);
    let want = limit.min(block.room_len() as u64) as usize;
    let mut n = match self.io.read(&mut block.room()[..want]).await {
      Ok(n) => n,
      Err(e) if unclean_tls_close(&e) => 0,
      Err(e) => return Err(read_error(&e, Stage::ReadBody)),
    };
    // Top the read up with whatever else has already arrived, without waiting: larger chunks
    // mean fewer of them for JS.
    while n > 0 && n < want {
      let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
      let mut more = tokio::io::ReadBuf::new(&mut block.room()[n..want]);
      match std::pin::Pin::new(&mut self.io).poll_read(&mut cx, &mut more) {
        std::task::Poll::Ready(Ok(())) if !more.filled().is_empty() => n += more.filled().len(),
        // The end shows up again on the next read.
        std::task::Poll::Ready(Err(e)) if unclean_tls_close(&e) => break,
        // After the bytes already read: a reset's error is not repeated by the next read.
        std::task::Poll::Ready(Err(e)) => {
          self.failed = Some(read_error(&e, Stage::ReadBody));
          break;
        }
        // The end shows up again on the next read.
        _ => break,
      }
    }
    if n == 0 {
      self.spare = Some(block);
      decoder.at_eof()?;
      return Ok(None);
    }
    decoder.took_direct(n);
    read_block::count_direct_read();
    let chunk = block.lend(n);
    // A short read leaves room in the block: the next read goes there, so the chunk costs no
    // copy and pins no more than the block's own size.
    if block.room_len() >= TUNING.block_min_room {
      self.spare = Some(block);
    }
    Ok(Some(chunk))
  }

  /// Consumes buffered framing bytes; true once the body is complete (see `Decoder::settle`).
  pub fn settle(&mut self, decoder: &mut Decoder) -> Result<bool, NetError> {
    decoder.settle(&mut self.buf)
  }

  /// Whether an idle connection was closed (or spoke out of turn) while it sat in the pool.
  /// Checked without waiting, so a stale socket is dropped before a request is written to it
  /// (which matters for chunked bodies, which cannot be retried).
  pub fn is_stale(&mut self) -> bool {
    if !self.buf.is_empty() {
      return true;
    }
    match &mut self.io {
      Stream::Plain(tcp) => {
        if let Some(stale) = tcp.is_stale_bare() {
          return stale;
        }
      }
      // Out of the reactor with nothing to read: stale only if TLS already read the end (the
      // server's close_notify, read together with its last response) or bytes nobody asked for,
      // which the socket no longer shows. The probe below would make the socket join the reactor
      // only to leave it again. Bytes there may be a TLS record that is not data (a session
      // ticket): the probe through TLS tells.
      Stream::Tls(tls) if tls.get_ref().0.is_stale_bare() == Some(false) => {
        // Nothing new to process: this only reports what TLS holds.
        let state = tls.get_mut().1.process_new_packets();
        return !state.is_ok_and(|s| s.plaintext_bytes_to_read() == 0 && !s.peer_has_closed());
      }
      _ => {}
    }
    let mut probe = [0u8; 1];
    let mut read_buf = tokio::io::ReadBuf::new(&mut probe);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    // Ready means EOF, an error, or bytes nobody asked for.
    std::pin::Pin::new(&mut self.io)
      .poll_read(&mut cx, &mut read_buf)
      .is_ready()
  }

  /// Polls an idle connection for its end: ready once the server closed it, it failed, or it
  /// sent bytes nobody asked for (each makes it useless); until then `cx` is woken when one of
  /// those happens, by the reactor (`wire::idle`). A plain socket the JS thread read last has
  /// left the reactor (`plain_tcp`): it joins it for this.
  pub fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
    if !self.buf.is_empty() {
      return Poll::Ready(());
    }
    if self.io.tcp().is_some_and(PlainTcp::is_bare) {
      self.idle_joined = true;
    }
    let mut probe = [0u8; 1];
    let mut read_buf = ReadBuf::new(&mut probe);
    match Pin::new(&mut self.io).poll_read(cx, &mut read_buf) {
      Poll::Ready(_) => Poll::Ready(()),
      Poll::Pending => Poll::Pending,
    }
  }

  /// A request takes a connection the pool watched while idle: a socket that joined the reactor
  /// only for that leaves it again, so the JS thread goes on reading it alone. False if the
  /// socket was lost on the way.
  pub fn end_idle_watch(&mut self) -> bool {
    if !std::mem::take(&mut self.idle_joined) {
      return true;
    }
    match self.io.tcp_mut() {
      Some(tcp) => tcp.leave_reactor().is_ok(),
      None => true,
    }
  }

  /// The byte stream underneath, once nothing is left buffered (a CONNECT tunnel that is
  /// established: what follows belongs to the TLS handshake inside it); `None` otherwise.
  pub fn into_io(self) -> Option<Box<dyn Io>> {
    self.buf.is_empty().then(|| self.io.into_io())
  }

  /// Called as the connection goes idle: its read buffer is let go of. An idle connection
  /// would otherwise hold up to a read's worth of memory (shared with the body's last chunk,
  /// which so stays pinned after JS dropped it) for as long as it sits in the pool: with many
  /// pooled connections that adds up (bench W5: 1,000 of them). The next response's buffer is
  /// one small allocation.
  pub fn release_read_buffer(&mut self) {
    self.spare = None;
    if self.buf.is_empty() {
      self.buf = BytesMut::new();
    }
    // Reads start small again: after a large download they would otherwise reserve 1 MiB for
    // the next response's head, which a small body split from it would then pin.
    self.read_size = TUNING.first_read;
  }

  /// Whether bytes beyond the response are already buffered (a misbehaving server), or a read
  /// failed after the response's last bytes (`failed`): such a connection must not be reused.
  pub fn has_leftover(&self) -> bool {
    !self.buf.is_empty() || self.failed.is_some()
  }
}

/// The server closed a TLS connection without a `close_notify` alert (rustls reports it as
/// `UnexpectedEof`; a TCP read never does). Chromium's `SSLClientSocketImpl::DoPayloadRead`
/// reads it as a graceful end ("Many servers do not reliably send a close_notify alert"), and
/// the body then ends as it would at a close: a close-delimited one completes, a short framed
/// one is `ERR_CONTENT_LENGTH_MISMATCH` / `ERR_INCOMPLETE_CHUNKED_ENCODING`.
fn unclean_tls_close(e: &io::Error) -> bool {
  e.kind() == io::ErrorKind::UnexpectedEof
}

fn read_error(e: &io::Error, stage: Stage) -> NetError {
  crate::errors::classify(e, stage)
}
