//! The byte stream under an HTTP/1.1 connection: plain TCP and TLS straight over TCP, which the
//! JS thread can read itself (`socket_watch`), or anything else (TLS through a tunnel or over a
//! SOCKS relay's own stream, an HTTPS proxy's TLS).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::plain_tcp::PlainTcp;
use super::Io;

/// TLS over a socket the JS thread may read.
pub type TlsOverTcp = crate::wire::tls::TlsStream<PlainTcp>;

pub enum Stream {
  Plain(PlainTcp),
  /// Boxed: rustls's connection state is large, and a plain connection should not carry it.
  Tls(Box<TlsOverTcp>),
  Other(Box<dyn Io>),
}

impl Stream {
  /// The socket, when it is this project's own (plain, or under TLS).
  pub fn tcp(&self) -> Option<&PlainTcp> {
    match self {
      Stream::Plain(tcp) => Some(tcp),
      Stream::Tls(tls) => Some(tls.get_ref().0),
      Stream::Other(_) => None,
    }
  }

  pub fn tcp_mut(&mut self) -> Option<&mut PlainTcp> {
    match self {
      Stream::Plain(tcp) => Some(tcp),
      Stream::Tls(tls) => Some(tls.get_mut().0),
      Stream::Other(_) => None,
    }
  }

  pub fn into_io(self) -> Box<dyn Io> {
    match self {
      Stream::Plain(tcp) => Box::new(tcp),
      Stream::Tls(tls) => tls,
      Stream::Other(io) => io,
    }
  }
}

/// Forwards `$call` to whichever stream this is.
macro_rules! each {
  ($self:ident, $io:ident => $call:expr) => {
    match $self.get_mut() {
      Stream::Plain($io) => {
        let $io = Pin::new($io);
        $call
      }
      Stream::Tls($io) => {
        let $io = Pin::new(&mut **$io);
        $call
      }
      Stream::Other($io) => {
        let $io = Pin::new(&mut **$io);
        $call
      }
    }
  };
}

impl AsyncRead for Stream {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    each!(self, io => io.poll_read(cx, buf))
  }
}

impl AsyncWrite for Stream {
  fn poll_write(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    data: &[u8],
  ) -> Poll<io::Result<usize>> {
    each!(self, io => io.poll_write(cx, data))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    parts: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    each!(self, io => io.poll_write_vectored(cx, parts))
  }

  fn is_write_vectored(&self) -> bool {
    match self {
      Stream::Plain(io) => io.is_write_vectored(),
      Stream::Tls(io) => io.is_write_vectored(),
      Stream::Other(io) => io.is_write_vectored(),
    }
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    each!(self, io => io.poll_flush(cx))
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    each!(self, io => io.poll_shutdown(cx))
  }
}
