//! Reading a response on the JS thread: a request polled there (see `runtime::Task`) that waits
//! for its plain-TCP socket asks libuv, not tokio, to tell it when the socket is readable.
//!
//! Why: with one request at a time (bench W1) every response used to cross three threads' sleeps:
//! the server's, the engine thread's (woken by tokio's reactor) and the JS thread's (woken by
//! the engine's threadsafe call). Each wake costs ~10 us of CPU on a VM, and the engine's sat
//! in the middle of the chain. Watched from libuv's own poll, the response wakes the JS thread
//! directly, which reads it, parses it and queues its events without the engine.
//!
//! How a read here works: [`read`] calls `recv` itself on the non-blocking socket instead of
//! going through tokio's cached readiness, and when nothing is there it records the socket in
//! [`WANTED`] and leaves no tokio waker behind. The task then arms a [`Watch`] (a `uv_poll_t`)
//! on it. The socket also leaves tokio's reactor then (`http1::plain_tcp`), so no engine thread
//! wakes for it; it joins again the first time an engine thread has to wait on it.
//!
//! The one rule that keeps this safe: a socket must never be closed while a `uv_poll_t` watches
//! it (libuv would then watch whatever socket reuses the number, Node's own included). A watch
//! exists only while its task's future is parked, and only the JS thread may move, poll or
//! drop a parked future (`runtime.rs` keeps to that), so the watch is always stopped first.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;

use tokio::io::ReadBuf;

/// Reads done on the JS thread, for the tests (`jsThreadReadCount()`), which check that
/// sequential plain-HTTP requests do take this path.
static JS_THREAD_READS: AtomicU64 = AtomicU64::new(0);

pub fn js_thread_reads() -> u64 {
  JS_THREAD_READS.load(Ordering::Relaxed)
}

/// Set for the duration of a task's poll on the JS thread.
#[derive(Clone, Copy)]
struct PollHere {
  /// The socket a read found empty during this poll.
  wanted: Option<RawFd>,
}

thread_local! {
  static POLLING_HERE: Cell<Option<PollHere>> = const { Cell::new(None) };
  static LOOP: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
}

/// Remembers this JS thread's libuv loop; watches can be armed only on this thread afterwards.
pub fn init(uv_loop: *mut c_void) {
  LOOP.with(|l| l.set(uv_loop));
}

/// This thread's libuv loop while it is a JS thread, else null.
pub fn uv_loop() -> *mut c_void {
  LOOP.with(|l| l.get())
}

/// This thread's environment is being torn down: no watch may be armed on its loop any more
/// (every watch has been stopped by then).
pub fn shutdown() {
  let _ = LOOP.try_with(|l| l.set(std::ptr::null_mut()));
}

/// Whether this is a JS thread (one that called [`init`]).
pub fn on_js_thread() -> bool {
  !uv_loop().is_null()
}

/// Runs `poll` as a poll on the JS thread and returns its result with the socket, if any, that
/// the polled future is now waiting for through [`read`] alone.
pub fn poll_here<R>(poll: impl FnOnce() -> R) -> (R, Option<RawFd>) {
  if !enabled() || !on_js_thread() {
    return (poll(), None);
  }
  let outer = POLLING_HERE.with(|p| p.replace(Some(PollHere { wanted: None })));
  let result = poll();
  let this = POLLING_HERE.with(|p| p.replace(outer));
  (result, this.and_then(|p| p.wanted))
}

/// `ELECTRON_NET_RS_JS_THREAD_READS=0` turns reading on the JS thread off (kept for A/B runs);
/// building without the `js-thread-reads` feature leaves it out altogether.
fn enabled() -> bool {
  cfg!(feature = "js-thread-reads") && crate::config::env().js_thread_reads
}

/// Reads from `fd` into `buf` when the current task is being polled on the JS thread; `None`
/// when it is not (the caller then reads through tokio). On an empty socket it returns
/// `Pending` without registering any waker: the caller then hands the socket to the task's
/// watch with [`want`] (`http1::plain_tcp`, for plain HTTP and for TLS over the socket).
pub fn read(fd: RawFd, buf: &mut ReadBuf<'_>) -> Option<Poll<io::Result<()>>> {
  if !polling_here() {
    return None;
  }
  let read = recv_read_buf(fd, buf);
  if let Poll::Ready(Ok(())) = read {
    JS_THREAD_READS.fetch_add(1, Ordering::Relaxed);
  }
  Some(read)
}

/// One non-blocking `recv` into a `ReadBuf`, on whatever thread (a socket out of tokio's
/// reactor: `http1::plain_tcp`); `Pending` when the socket is empty.
pub fn recv_read_buf(fd: RawFd, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
  // SAFETY: `recv` only writes into the unfilled part, and the bytes it reports are initialised
  // before `assume_init` says so.
  let read = recv_into(fd, unsafe { buf.unfilled_mut() });
  read.map_ok(|n| {
    unsafe { buf.assume_init(n) };
    buf.advance(n);
  })
}

/// Whether a task is being polled on the JS thread right now (reads may be done here).
pub fn polling_here() -> bool {
  POLLING_HERE.with(|p| p.get().is_some())
}

/// One non-blocking `recv` into `spare`: `Pending` when the socket is empty.
fn recv_into(fd: RawFd, spare: &mut [std::mem::MaybeUninit<u8>]) -> Poll<io::Result<usize>> {
  loop {
    // SAFETY: `recv` writes at most `spare.len()` bytes into memory the caller lends us.
    let n = unsafe { libc_recv(fd, spare.as_mut_ptr().cast(), spare.len(), 0) };
    if n >= 0 {
      return Poll::Ready(Ok(n as usize));
    }
    let error = io::Error::last_os_error();
    match error.kind() {
      io::ErrorKind::Interrupted => continue,
      io::ErrorKind::WouldBlock => return Poll::Pending,
      _ => return Poll::Ready(Err(error)),
    }
  }
}

/// Asks for `fd` to be watched once the current JS-thread poll returns `Pending`. Called only
/// once the socket is sure to stay open while the future is parked (it has left tokio's
/// reactor): a watch on a number that was closed would watch whatever reuses it.
pub fn want(fd: RawFd) {
  POLLING_HERE.with(|p| {
    if p.get().is_some() {
      p.set(Some(PollHere { wanted: Some(fd) }));
    }
  });
}

/// Takes back a [`want`] for `fd` made during this poll: over TLS a read of the socket can come
/// back empty and the stream still return bytes it had decrypted already, so the caller goes on
/// instead of waiting, and must not leave a watch asked for (the socket may be handed on before
/// the task next parks).
pub fn unwant(fd: RawFd) {
  POLLING_HERE.with(|p| {
    if p.get().and_then(|h| h.wanted) == Some(fd) {
      p.set(Some(PollHere { wanted: None }));
    }
  });
}

mod uv_poll;
pub use uv_poll::Watch;

extern "C" {
  #[link_name = "recv"]
  fn libc_recv(fd: c_int, buf: *mut c_void, len: usize, flags: c_int) -> isize;
}
