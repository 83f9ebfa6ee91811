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

use bytes::{BufMut, BytesMut};

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

/// Remembers the JS thread's libuv loop; watches can be armed only on this thread afterwards.
pub fn init(env: &napi::Env) {
  if let Ok(uv_loop) = env.get_uv_event_loop() {
    LOOP.with(|l| l.set(uv_loop.cast()));
  }
}

/// This thread's environment is being torn down: no watch may be armed on its loop any more
/// (every watch has been stopped by then).
pub fn shutdown() {
  let _ = LOOP.try_with(|l| l.set(std::ptr::null_mut()));
}

/// Whether this is a JS thread (one that called [`init`]).
pub fn on_js_thread() -> bool {
  LOOP.with(|l| !l.get().is_null())
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

/// `ELECTRON_NET_RS_JS_THREAD_READS=0` turns reading on the JS thread off (kept for A/B runs).
fn enabled() -> bool {
  use std::sync::OnceLock;
  static ON: OnceLock<bool> = OnceLock::new();
  *ON.get_or_init(|| std::env::var("ELECTRON_NET_RS_JS_THREAD_READS").as_deref() != Ok("0"))
}

/// Reads from `fd` into `buf`'s spare room when the current task is being polled on the JS
/// thread; `None` when it is not (the caller then reads through tokio). On an empty socket it
/// returns `Pending` without registering any waker: the caller then hands the socket to the
/// task's watch with [`want`].
pub fn read(fd: RawFd, buf: &mut BytesMut) -> Option<Poll<io::Result<usize>>> {
  if POLLING_HERE.with(|p| p.get().is_none()) {
    return None;
  }
  let spare = buf.spare_capacity_mut();
  loop {
    // SAFETY: `recv` writes at most `spare.len()` bytes into memory `buf` owns; the bytes it
    // reports written are initialised, which is what `advance_mut` requires.
    let n = unsafe { libc_recv(fd, spare.as_mut_ptr().cast(), spare.len(), 0) };
    if n >= 0 {
      unsafe { buf.advance_mut(n as usize) };
      JS_THREAD_READS.fetch_add(1, Ordering::Relaxed);
      return Some(Poll::Ready(Ok(n as usize)));
    }
    let error = io::Error::last_os_error();
    match error.kind() {
      io::ErrorKind::Interrupted => continue,
      io::ErrorKind::WouldBlock => return Some(Poll::Pending),
      _ => return Some(Poll::Ready(Err(error))),
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

/// A `uv_poll_t` watching one socket for readability on the JS thread's loop.
pub struct Watch {
  handle: *mut c_void,
}

// SAFETY: a `Watch` is only created, stopped and dropped on the JS thread (it is stored in a
// task's state, which other threads can see but never use to touch the watch).
unsafe impl Send for Watch {}

/// Called on the JS thread when a watched socket is readable (or has failed or hung up):
/// `data` is what [`Watch::start`] was given.
pub type OnReadable = unsafe fn(data: *mut c_void);

#[repr(C)]
struct HandleData {
  data: *mut c_void,
  on_readable: OnReadable,
}

impl Watch {
  /// Arms a watch on `fd` that calls `on_readable(data)` once; `None` if libuv refused it.
  pub fn start(fd: RawFd, data: *mut c_void, on_readable: OnReadable) -> Option<Watch> {
    let uv_loop = LOOP.with(|l| l.get());
    if uv_loop.is_null() {
      return None;
    }
    unsafe {
      let size = uv_handle_size(UV_POLL);
      let handle = libc_calloc(1, size);
      if handle.is_null() {
        return None;
      }
      if uv_poll_init_socket(uv_loop, handle, fd) != 0 {
        libc_free(handle);
        return None;
      }
      // `data` is the first field of every libuv handle.
      let hd = Box::into_raw(Box::new(HandleData { data, on_readable }));
      *handle.cast::<*mut c_void>() = hd.cast();
      // The request in flight keeps Node alive (the bridge's reference), not its watch.
      uv_unref(handle);
      if uv_poll_start(handle, UV_READABLE, fired) != 0 {
        drop(Box::from_raw(hd));
        *handle.cast::<*mut c_void>() = std::ptr::null_mut();
        uv_close(handle, Some(closed));
        return None;
      }
      Some(Watch { handle })
    }
  }

  /// Stops watching and frees the handle (once libuv has closed it). Returns the `data` the
  /// watch was started with.
  pub fn stop(self) -> *mut c_void {
    unsafe {
      uv_poll_stop(self.handle);
      let hd = *self.handle.cast::<*mut HandleData>();
      *self.handle.cast::<*mut c_void>() = std::ptr::null_mut();
      uv_close(self.handle, Some(closed));
      Box::from_raw(hd).data
    }
  }
}

unsafe extern "C" fn fired(handle: *mut c_void, _status: c_int, _events: c_int) {
  let hd = *handle.cast::<*mut HandleData>();
  if hd.is_null() {
    return;
  }
  // The callback stops the watch itself (through the task), so it fires once.
  let HandleData { data, on_readable } = *hd;
  on_readable(data);
}

unsafe extern "C" fn closed(handle: *mut c_void) {
  libc_free(handle);
}

const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;

extern "C" {
  // libuv, exported by the Node binary that loaded us.
  fn uv_handle_size(kind: c_int) -> usize;
  fn uv_poll_init_socket(uv_loop: *mut c_void, handle: *mut c_void, socket: c_int) -> c_int;
  fn uv_poll_start(
    handle: *mut c_void,
    events: c_int,
    cb: unsafe extern "C" fn(*mut c_void, c_int, c_int),
  ) -> c_int;
  fn uv_poll_stop(handle: *mut c_void) -> c_int;
  fn uv_close(handle: *mut c_void, cb: Option<unsafe extern "C" fn(*mut c_void)>);
  fn uv_unref(handle: *mut c_void);
  #[link_name = "recv"]
  fn libc_recv(fd: c_int, buf: *mut c_void, len: usize, flags: c_int) -> isize;
  #[link_name = "calloc"]
  fn libc_calloc(count: usize, size: usize) -> *mut c_void;
  #[link_name = "free"]
  fn libc_free(ptr: *mut c_void);
}
