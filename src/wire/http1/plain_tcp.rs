//! A plain TCP socket that can leave tokio's reactor while the JS thread reads it
//! (`socket_watch`), and joins it again only when an engine thread has to wait on it.
//!
//! Why: a socket registered with tokio wakes an engine thread on every edge, even when no task
//! there waits for it. While the JS thread reads a response itself (bench W1), those wakes were
//! ~10 us of engine CPU per request and contended for the socket's lock with the JS thread's
//! own `recv`. Out of the reactor, the JS thread is the only one woken.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub struct PlainTcp {
  fd: RawFd,
  state: State,
  /// Set by `http1::Connection` around one read of its stream (this socket, or TLS over it):
  /// the read may then be done on the JS thread (see [`AsyncRead`] below). Never set for HTTP/2,
  /// whose connection task reads on the engine.
  read_here: bool,
  /// A write waits on tokio's reactor: the socket must not leave it (the waker would be lost,
  /// and libuv watches only for reading).
  write_waiting: bool,
}

enum State {
  /// Registered with tokio's reactor (as every socket starts).
  Reactor(tokio::net::TcpStream),
  /// Out of the reactor, still non-blocking: reads and writes are plain system calls.
  Bare(std::net::TcpStream),
  /// Leaving or joining the reactor failed; the socket is gone.
  Lost,
}

impl PlainTcp {
  pub fn new(tcp: tokio::net::TcpStream) -> PlainTcp {
    PlainTcp {
      fd: tcp.as_raw_fd(),
      state: State::Reactor(tcp),
      read_here: false,
      write_waiting: false,
    }
  }

  /// The socket's number, while there is a socket (not after a failed move to or from the
  /// reactor, which closed it).
  pub fn fd(&self) -> Option<RawFd> {
    (!matches!(self.state, State::Lost)).then_some(self.fd)
  }

  /// Out of tokio's reactor (the JS thread read it last).
  pub fn is_bare(&self) -> bool {
    matches!(self.state, State::Bare(_))
  }

  /// Whether reads may be done on the JS thread, which takes the socket out of the reactor: not
  /// while a write waits there.
  pub fn may_read_here(&self) -> bool {
    !self.write_waiting
  }

  /// Lets (or stops letting) the next reads be done on the JS thread (see `read_here`).
  pub fn set_read_here(&mut self, here: bool) {
    self.read_here = here;
  }

  /// A write through the reactor, remembering whether it waits there.
  fn write_reactor(
    &mut self,
    write: impl FnOnce(Pin<&mut tokio::net::TcpStream>) -> Poll<io::Result<usize>>,
  ) -> Poll<io::Result<usize>> {
    let polled = write(Pin::new(self.reactor()?));
    self.write_waiting = polled.is_pending();
    polled
  }

  /// Takes the socket out of tokio's reactor (the JS thread is about to watch it).
  pub fn leave_reactor(&mut self) -> io::Result<()> {
    if let State::Reactor(_) = self.state {
      let State::Reactor(tcp) = std::mem::replace(&mut self.state, State::Lost) else {
        unreachable!()
      };
      self.state = State::Bare(tcp.into_std()?);
    }
    Ok(())
  }

  /// The socket in tokio's reactor, joining it if need be (inside the runtime's context).
  fn reactor(&mut self) -> io::Result<&mut tokio::net::TcpStream> {
    if let State::Bare(_) = self.state {
      let State::Bare(tcp) = std::mem::replace(&mut self.state, State::Lost) else {
        unreachable!()
      };
      self.state = State::Reactor(tokio::net::TcpStream::from_std(tcp)?);
    }
    match &mut self.state {
      State::Reactor(tcp) => Ok(tcp),
      _ => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
  }

  /// Out of the reactor, a write is a plain system call; `None` when there is no socket out of
  /// the reactor or it would block (the caller then waits on it through the reactor).
  fn write_bare(
    &self,
    write: impl FnOnce(&std::net::TcpStream) -> io::Result<usize>,
  ) -> Option<io::Result<usize>> {
    let State::Bare(tcp) = &self.state else {
      return None;
    };
    match write(tcp) {
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
      done => Some(done),
    }
  }

  /// Out of the reactor: whether the idle socket has been closed, failed, or received bytes
  /// nobody asked for, checked with a peek (`None` in the reactor: ask tokio instead).
  pub fn is_stale_bare(&self) -> Option<bool> {
    let State::Bare(tcp) = &self.state else {
      return matches!(self.state, State::Lost).then_some(true);
    };
    let mut probe = [0u8; 1];
    Some(match tcp.peek(&mut probe) {
      Err(e) => e.kind() != io::ErrorKind::WouldBlock,
      Ok(_) => true,
    })
  }
}

/// Reads through tokio, except while `read_here` is set and the task is polled on the JS thread
/// (plain HTTP, or TLS over this socket: `Connection::poll_fill`): then a plain `recv`, and on
/// an empty socket the socket leaves the reactor and the JS thread watches it (`socket_watch`).
impl AsyncRead for PlainTcp {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let me = self.get_mut();
    if me.read_here && me.may_read_here() {
      if let Some(fd) = me.fd() {
        match crate::wire::socket_watch::read(fd, buf) {
          Some(Poll::Pending) => {
            me.leave_reactor()?;
            crate::wire::socket_watch::want(fd);
            return Poll::Pending;
          }
          Some(read) => return read,
          None => {}
        }
      }
    }
    // Out of the reactor, a plain `recv` first, on whatever thread: a socket that joins the
    // reactor knows of no readiness until the reactor's next turn, so a read there at once says
    // `Pending` even with bytes or the peer's close already there. The idle probe over TLS
    // (`Connection::is_stale`) then took a connection the server had closed for a live one, and
    // a chunked upload, which cannot be sent again, failed on it.
    if let State::Bare(_) = me.state {
      if let Poll::Ready(read) = crate::wire::socket_watch::recv_read_buf(me.fd, buf) {
        return Poll::Ready(read);
      }
    }
    Pin::new(me.reactor()?).poll_read(cx, buf)
  }
}

/// A socket that goes away during a poll on the JS thread must not leave a watch asked for on
/// its number (`socket_watch::want`), which the next socket opened may take: a read that found
/// it empty may be dropped in the same poll (a timeout that ends it, say) without the task
/// parking on it.
impl Drop for PlainTcp {
  fn drop(&mut self) {
    crate::wire::socket_watch::unwant(self.fd);
  }
}

impl AsyncWrite for PlainTcp {
  fn poll_write(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    data: &[u8],
  ) -> Poll<io::Result<usize>> {
    let me = self.get_mut();
    if let Some(done) = me.write_bare(|mut tcp| io::Write::write(&mut tcp, data)) {
      return Poll::Ready(done);
    }
    me.write_reactor(|tcp| tcp.poll_write(cx, data))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    parts: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    let me = self.get_mut();
    if let Some(done) = me.write_bare(|mut tcp| io::Write::write_vectored(&mut tcp, parts)) {
      return Poll::Ready(done);
    }
    me.write_reactor(|tcp| tcp.poll_write_vectored(cx, parts))
  }

  fn is_write_vectored(&self) -> bool {
    true
  }

  fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    // TCP has nothing buffered in user space.
    Poll::Ready(Ok(()))
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(self.get_mut().reactor()?).poll_shutdown(cx)
  }
}
