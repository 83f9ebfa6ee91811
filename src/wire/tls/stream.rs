//! A TLS client stream that hands over what it decrypted before it fails.
//!
//! tokio-rustls reads the socket and decrypts every record it got in one go; when a later record
//! in that read is bad (it fails to decrypt, or breaks the protocol), its `poll_read` reports the
//! error and the plaintext of the good records before it stays unread in rustls. Chromium's
//! `SSLClientSocketImpl::DoPayloadRead` returns the bytes it read and keeps the error for the
//! next read: a response the good records completed is delivered, and a body cut short gets its
//! data before its error. This stream does the same: on such a failure it reads the plaintext
//! rustls holds, and reports the failure once that is used up, then on every later read.

use std::io::{self, Read};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use rustls::ClientConnection;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub struct TlsStream<T> {
  inner: tokio_rustls::client::TlsStream<T>,
  /// The record failure met after good records: reported once their plaintext is read.
  failed: Option<rustls::Error>,
}

impl<T> TlsStream<T> {
  pub fn get_ref(&self) -> (&T, &ClientConnection) {
    self.inner.get_ref()
  }

  pub fn get_mut(&mut self) -> (&mut T, &mut ClientConnection) {
    self.inner.get_mut()
  }

  /// Moves plaintext rustls already decrypted into `buf`; false when it holds none.
  fn take_plaintext(&mut self, buf: &mut ReadBuf<'_>) -> bool {
    let reader = &mut self.inner.get_mut().1.reader();
    match reader.read(buf.initialize_unfilled()) {
      Ok(n) if n > 0 => {
        buf.advance(n);
        true
      }
      _ => false,
    }
  }
}

impl<T> From<tokio_rustls::client::TlsStream<T>> for TlsStream<T> {
  fn from(inner: tokio_rustls::client::TlsStream<T>) -> Self {
    TlsStream {
      inner,
      failed: None,
    }
  }
}

/// The rustls failure inside an error tokio-rustls returned from a read, if that is what it is.
fn record_failure(e: &io::Error) -> Option<rustls::Error> {
  let inner = e.get_ref()?;
  inner.downcast_ref::<rustls::Error>().cloned()
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<T> {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    let failed = match &this.failed {
      Some(failed) => failed.clone(),
      None => match ready!(Pin::new(&mut this.inner).poll_read(cx, buf)) {
        Err(e) => match record_failure(&e) {
          Some(failed) => this.failed.insert(failed).clone(),
          None => return Poll::Ready(Err(e)),
        },
        ok => return Poll::Ready(ok),
      },
    };
    // A record failed: the plaintext rustls decrypted before it first, then the failure, on
    // this read and every one after.
    Poll::Ready(if buf.remaining() == 0 || this.take_plaintext(buf) {
      Ok(())
    } else {
      Err(io::Error::new(io::ErrorKind::InvalidData, failed))
    })
  }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<T> {
  fn poll_write(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    data: &[u8],
  ) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    parts: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, parts)
  }

  fn is_write_vectored(&self) -> bool {
    self.inner.is_write_vectored()
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_flush(cx)
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
  }
}
