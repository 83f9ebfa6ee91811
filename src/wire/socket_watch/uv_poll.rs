//! A `uv_poll_t` on the JS thread's loop: the only libuv code of the engine.

#[cfg(feature = "js-thread-reads")]
use std::ffi::c_int;
use std::ffi::c_void;
use std::os::fd::RawFd;

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
  /// Arms a watch on `fd` that calls `on_readable(data)` once; `None` if libuv refused it, or
  /// this is not a JS thread.
  pub fn start(fd: RawFd, data: *mut c_void, on_readable: OnReadable) -> Option<Watch> {
    let uv_loop = super::uv_loop();
    if uv_loop.is_null() {
      return None;
    }
    // SAFETY: `uv_loop` is this thread's loop (set at init, cleared at teardown).
    let handle = unsafe { arm(uv_loop, fd, HandleData { data, on_readable })? };
    Some(Watch { handle })
  }

  /// Stops watching and returns the `data` the watch was started with.
  pub fn stop(mut self) -> *mut c_void {
    let handle = std::mem::replace(&mut self.handle, std::ptr::null_mut());
    // SAFETY: a live handle of ours, on its JS thread (see `Send` above).
    unsafe { close(handle) }
  }
}

impl Drop for Watch {
  /// A watch dropped without [`Watch::stop`] still stops: libuv must never watch a socket number
  /// after its socket is closed. (Its `data` is then not returned: the caller's to leak.)
  fn drop(&mut self) {
    if !self.handle.is_null() {
      debug_assert!(false, "a socket watch was dropped without stop()");
      // SAFETY: as in `stop`.
      unsafe { close(self.handle) };
    }
  }
}

/// Initialises and starts a `uv_poll_t` for `fd` on `uv_loop`; the handle, or `None`.
#[cfg(feature = "js-thread-reads")]
unsafe fn arm(uv_loop: *mut c_void, fd: RawFd, hd: HandleData) -> Option<*mut c_void> {
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
  let hd = Box::into_raw(Box::new(hd));
  *handle.cast::<*mut c_void>() = hd.cast();
  // The request in flight keeps Node alive (the bridge's reference), not its watch.
  uv_unref(handle);
  if uv_poll_start(handle, UV_READABLE, fired) != 0 {
    drop(Box::from_raw(hd));
    *handle.cast::<*mut c_void>() = std::ptr::null_mut();
    uv_close(handle, Some(closed));
    return None;
  }
  Some(handle)
}

#[cfg(not(feature = "js-thread-reads"))]
unsafe fn arm(_: *mut c_void, _: RawFd, _: HandleData) -> Option<*mut c_void> {
  None
}

/// Stops and closes `handle` (freed once libuv has closed it); returns its `data`.
#[cfg(feature = "js-thread-reads")]
unsafe fn close(handle: *mut c_void) -> *mut c_void {
  uv_poll_stop(handle);
  let hd = *handle.cast::<*mut HandleData>();
  *handle.cast::<*mut c_void>() = std::ptr::null_mut();
  uv_close(handle, Some(closed));
  Box::from_raw(hd).data
}

#[cfg(not(feature = "js-thread-reads"))]
unsafe fn close(_: *mut c_void) -> *mut c_void {
  unreachable!("no watch is ever armed without the js-thread-reads feature")
}

#[cfg(feature = "js-thread-reads")]
unsafe extern "C" fn fired(handle: *mut c_void, _status: c_int, _events: c_int) {
  let hd = *handle.cast::<*mut HandleData>();
  if hd.is_null() {
    return;
  }
  // The callback stops the watch itself (through the task), so it fires once.
  let HandleData { data, on_readable } = *hd;
  on_readable(data);
}

#[cfg(feature = "js-thread-reads")]
unsafe extern "C" fn closed(handle: *mut c_void) {
  libc_free(handle);
}

#[cfg(feature = "js-thread-reads")]
const UV_POLL: c_int = 8;
#[cfg(feature = "js-thread-reads")]
const UV_READABLE: c_int = 1;

#[cfg(feature = "js-thread-reads")]
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
  #[link_name = "calloc"]
  fn libc_calloc(count: usize, size: usize) -> *mut c_void;
  #[link_name = "free"]
  fn libc_free(ptr: *mut c_void);
}
