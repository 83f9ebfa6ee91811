//! How the engine asks a load's JS thread to deliver its events: a `uv_async_t` on that
//! thread's loop, whose callback calls the load's dispatcher.
//!
//! Why not a threadsafe function: Node's holds its queue's mutex while it signals the loop (an
//! `eventfd` write that wakes the JS thread), so the JS thread, woken, blocked on that mutex
//! until the engine thread had returned from the write. At 64 requests in flight that was a
//! futex wait on the JS thread for a third of the requests (a sleep and a wake-up each) and
//! ~11 % of the engine thread's time. `uv_async_send` takes no lock: it sets a flag and writes
//! the `eventfd` only if the flag was clear.
//!
//! What the threadsafe function did, done here the same way:
//! - each delivery runs inside a callback scope (`napi_open_callback_scope`), so
//!   `process.nextTick` callbacks and promise jobs queued by listeners run when it returns, as
//!   after any I/O callback, and before the next delivery; async hooks see one resource per
//!   load;
//! - a ring during a delivery is only noted, and the callback delivers again before it returns
//!   to the loop (at most [`MAX_ROUNDS`] times): a listener's request answered at once (from
//!   the HTTP cache) costs no turn of the loop and no system call;
//! - a JS exception left pending by the dispatcher becomes an uncaught exception
//!   (`napi_fatal_exception`, which `process.on('uncaughtException')` can handle);
//! - the handle keeps Node alive only while the load has requests in flight;
//! - the dispatcher is held weakly: jest (and vitest, and hot-reload tools) load the module
//!   anew for every test file and then drop that copy, and held strongly each copy's
//!   dispatcher, and through it its whole module graph (under jest the test file's vm
//!   context), would stay in memory until the worker exits. Once that copy is collected, its
//!   events (of requests still finishing) are drained and dropped;
//! - after the environment's teardown a ring does nothing: the handle is closed under the
//!   write lock, and engine threads ring under the read lock.

use std::ffi::{c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

use napi::{check_status, sys};

/// The engine's side: rings from any thread, and is closed once by the JS thread.
pub struct Doorbell {
  handle: RwLock<Option<Handle>>,
  state: Arc<AtomicU8>,
}

/// [`Doorbell::state`]: a delivery is running on the JS thread...
const RUNNING: u8 = 1;
/// ... and a ring came meanwhile: it delivers again before returning to the loop.
const RUNG: u8 = 2;
/// Deliveries one callback makes at most before it lets the loop turn (Node's threadsafe
/// functions stop at 1,000 too), so that timers and I/O are not starved.
const MAX_ROUNDS: u32 = 1000;

struct Handle(*mut c_void);

// SAFETY: the handle is only rung (`uv_async_send`, which libuv allows from any thread) under
// the read lock, and referenced, unreferenced and closed on its JS thread.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

/// What the callback needs, behind the handle's `data` pointer; freed with the handle.
struct Ring {
  env: sys::napi_env,
  /// The dispatcher, weakly: once its copy of the module is collected, rings only drain.
  dispatch: sys::napi_ref,
  /// The async resource the callback scope names (an empty object), strongly held.
  resource: sys::napi_ref,
  context: sys::napi_async_context,
  deliver: Deliver,
  state: Arc<AtomicU8>,
}

/// Drains the load's events into the dispatcher's one argument (JS thread); `None` when there
/// is nothing for JS.
pub type Deliver = Box<dyn Fn(sys::napi_env) -> napi::Result<Option<sys::napi_value>>>;

impl Doorbell {
  /// A doorbell on this environment's loop that calls `dispatch` with what `deliver` makes;
  /// unreferenced until [`Doorbell::set_ref`].
  ///
  /// # Safety
  /// On `env`'s JS thread, with `dispatch` a function of that environment.
  pub unsafe fn new(
    env: sys::napi_env,
    dispatch: sys::napi_value,
    deliver: Deliver,
  ) -> napi::Result<Doorbell> {
    let mut uv_loop = ptr::null_mut();
    check_status!(sys::napi_get_uv_event_loop(env, &mut uv_loop))?;
    let mut weak = ptr::null_mut();
    check_status!(sys::napi_create_reference(env, dispatch, 0, &mut weak))?;
    let mut resource = ptr::null_mut();
    let mut name = ptr::null_mut();
    let mut context = ptr::null_mut();
    let mut strong = ptr::null_mut();
    let made = (|| {
      check_status!(sys::napi_create_object(env, &mut resource))?;
      let text = "electron-net-rs:events";
      check_status!(sys::napi_create_string_utf8(
        env,
        text.as_ptr().cast(),
        text.len() as isize,
        &mut name
      ))?;
      check_status!(sys::napi_create_reference(env, resource, 1, &mut strong))?;
      check_status!(sys::napi_async_init(env, resource, name, &mut context))
    })();
    let state = Arc::new(AtomicU8::new(0));
    let mut ring = Box::new(Ring {
      env,
      dispatch: weak,
      resource: strong,
      context,
      deliver,
      state: state.clone(),
    });
    if let Err(e) = made {
      release(&mut ring);
      return Err(e);
    }
    let handle = libc_calloc(1, uv_handle_size(UV_ASYNC));
    if handle.is_null() {
      release(&mut ring);
      return Err(napi::Error::from_reason("out of memory"));
    }
    *handle.cast::<*mut Ring>() = Box::into_raw(ring);
    if uv_async_init(uv_loop.cast(), handle, rung) != 0 {
      release(&mut Box::from_raw(*handle.cast::<*mut Ring>()));
      libc_free(handle);
      return Err(napi::Error::from_reason("uv_async_init failed"));
    }
    uv_unref(handle);
    Ok(Doorbell {
      handle: RwLock::new(Some(Handle(handle))),
      state,
    })
  }

  /// Asks for a delivery (any thread); nothing once closed. During a delivery (a listener
  /// starting a request that completes at once, or the engine keeping up) it is only noted, and
  /// that delivery goes round again without a turn of the loop or a system call, as Node's
  /// threadsafe functions do.
  pub fn ring(&self) {
    if self.state.fetch_or(RUNG, Ordering::SeqCst) & RUNNING != 0 {
      return;
    }
    let handle = self.handle.read().unwrap_or_else(|p| p.into_inner());
    if let Some(handle) = &*handle {
      // SAFETY: open while the read lock is held (closing takes the write lock).
      unsafe { uv_async_send(handle.0) };
    }
  }

  /// Whether the handle keeps Node alive (JS thread).
  pub fn set_ref(&self, keep_alive: bool) {
    let handle = self.handle.read().unwrap_or_else(|p| p.into_inner());
    if let Some(handle) = &*handle {
      // SAFETY: open, and this is its JS thread.
      unsafe {
        if keep_alive {
          uv_ref(handle.0)
        } else {
          uv_unref(handle.0)
        }
      }
    }
  }

  /// Closes the handle (JS thread, in the environment's cleanup hook, while the environment is
  /// still there); later rings do nothing.
  pub fn close(&self) {
    let taken = self
      .handle
      .write()
      .unwrap_or_else(|p| p.into_inner())
      .take();
    if let Some(handle) = taken {
      // SAFETY: open, on its JS thread; no ring can reach it any more, and a closing async
      // handle's callback is not called again. The references go now: the close callback runs
      // when the loop next turns, which for a worker is after its environment is freed.
      unsafe {
        let ring = *handle.0.cast::<*mut Ring>();
        if !ring.is_null() {
          release(&mut *ring);
        }
        uv_close(handle.0, Some(closed));
      }
    }
  }
}

/// Gives back what a ring holds in its environment (JS thread, the environment still there).
unsafe fn release(ring: &mut Ring) {
  let env = ring.env;
  if !ring.context.is_null() {
    sys::napi_async_destroy(env, std::mem::replace(&mut ring.context, ptr::null_mut()));
  }
  for reference in [&mut ring.resource, &mut ring.dispatch] {
    if !reference.is_null() {
      sys::napi_delete_reference(env, std::mem::replace(reference, ptr::null_mut()));
    }
  }
}

/// Frees the handle and its ring's memory; touches no environment.
unsafe extern "C" fn closed(handle: *mut c_void) {
  let ring = *handle.cast::<*mut Ring>();
  if !ring.is_null() {
    drop(Box::from_raw(ring));
  }
  libc_free(handle);
}

unsafe extern "C" fn rung(handle: *mut c_void) {
  let ring = *handle.cast::<*mut Ring>();
  if ring.is_null() {
    return;
  }
  let ring = &*ring;
  for _ in 0..MAX_ROUNDS {
    ring.state.store(RUNNING, Ordering::SeqCst);
    let js_runs = deliver(ring);
    if ring.state.swap(0, Ordering::SeqCst) == RUNNING || !js_runs {
      return;
    }
  }
  // Rung all along: the rest waits for the loop's next turn.
  uv_async_send(handle);
}

/// One delivery: the dispatcher called with everything queued, in a callback scope. False when
/// the environment runs no more JS (a worker being terminated).
unsafe fn deliver(ring: &Ring) -> bool {
  let env = ring.env;
  let mut handles = ptr::null_mut();
  if sys::napi_open_handle_scope(env, &mut handles) != sys::Status::napi_ok {
    return false;
  }
  let mut resource = ptr::null_mut();
  sys::napi_get_reference_value(env, ring.resource, &mut resource);
  let mut scope = ptr::null_mut();
  let scoped = !resource.is_null()
    && sys::napi_open_callback_scope(env, resource, ring.context, &mut scope)
      == sys::Status::napi_ok;
  // Caught here, so that the scopes opened above are closed whatever happens (the batch's own
  // events are converted under catch_unwind already: see bridge.rs).
  let produced =
    panic::catch_unwind(AssertUnwindSafe(|| (ring.deliver)(env))).unwrap_or_else(|_| {
      Err(napi::Error::from_reason(
        "electron-net-rs: internal error while delivering network events",
      ))
    });
  let status = match produced {
    Ok(Some(batch)) => {
      // An exception left by building the batch would make napi refuse the call, and the
      // batch's events (already drained) would be lost: it is raised first.
      raise_pending(env);
      call(env, ring.dispatch, batch)
    }
    // Nothing for JS (the drain only ran jobs, or a ring came after its events had gone).
    Ok(None) => sys::Status::napi_ok,
    Err(e) => {
      let error = napi::JsError::from(e).into_value(env);
      sys::napi_throw(env, error)
    }
  };
  // The dispatcher's own throw, or the error above. (A listener's throw is rethrown from a
  // nextTick callback by lib/bridge.js: Node's callback scope reports that one itself when it
  // closes, as an uncaught exception.)
  let raised = raise_pending(env);
  // Refused without an exception: this environment no longer calls into JS.
  let js_runs = match status {
    sys::Status::napi_cannot_run_js => false,
    sys::Status::napi_pending_exception => raised,
    _ => true,
  };
  if scoped {
    // Runs the nextTick queue and promise jobs, as after any I/O callback.
    sys::napi_close_callback_scope(env, scope);
  }
  sys::napi_close_handle_scope(env, handles);
  js_runs
}

/// Calls the dispatcher, if its module is still alive, with `batch`.
unsafe fn call(
  env: sys::napi_env,
  weak: sys::napi_ref,
  batch: sys::napi_value,
) -> sys::napi_status {
  let mut dispatch = ptr::null_mut();
  sys::napi_get_reference_value(env, weak, &mut dispatch);
  if dispatch.is_null() {
    // That copy of the module is gone; its events were drained and are dropped.
    return sys::Status::napi_ok;
  }
  let mut undefined = ptr::null_mut();
  sys::napi_get_undefined(env, &mut undefined);
  let mut result = ptr::null_mut();
  sys::napi_call_function(env, undefined, dispatch, 1, [batch].as_ptr(), &mut result)
}

/// A JS exception left pending becomes an uncaught exception, as it does for any callback Node
/// calls; whether there was one.
unsafe fn raise_pending(env: sys::napi_env) -> bool {
  let mut pending = false;
  if sys::napi_is_exception_pending(env, &mut pending) != sys::Status::napi_ok || !pending {
    return false;
  }
  let mut error = ptr::null_mut();
  if sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok {
    // During teardown this may fail (the environment runs no more JS): nothing else to do.
    sys::napi_fatal_exception(env, error);
  }
  true
}

const UV_ASYNC: c_int = 1;

extern "C" {
  // libuv, exported by the Node binary that loaded us.
  fn uv_handle_size(kind: c_int) -> usize;
  fn uv_async_init(
    uv_loop: *mut c_void,
    handle: *mut c_void,
    cb: unsafe extern "C" fn(*mut c_void),
  ) -> c_int;
  fn uv_async_send(handle: *mut c_void) -> c_int;
  fn uv_close(handle: *mut c_void, cb: Option<unsafe extern "C" fn(*mut c_void)>);
  fn uv_ref(handle: *mut c_void);
  fn uv_unref(handle: *mut c_void);
  #[link_name = "calloc"]
  fn libc_calloc(count: usize, size: usize) -> *mut c_void;
  #[link_name = "free"]
  fn libc_free(ptr: *mut c_void);
}
