//! The one place that moves events from the engine (tokio threads) to JavaScript.
//!
//! Every load of the JS module calls [`init`] with its dispatcher and gets a load id: a
//! ThreadsafeFunction of its own wraps that dispatcher, and the load's [`Channel`] queues its
//! requests' events. jest, vitest and hot-reload tools load the module again with a fresh module
//! cache in the same thread (the native addon stays loaded), and worker threads load it in
//! another N-API environment: each load gets its own events, and each environment has its own
//! state here ([`EnvState`]), torn down by an environment cleanup hook when it goes (a worker
//! that exits or is terminated): its requests are aborted, its socket watches stopped and its
//! queued events dropped.
//!
//! Events are delivered in batches: the first event queued after a delivery schedules one
//! threadsafe call, and that call drains everything queued by the time it runs. An event has six
//! slots, `[id, kind, a, b, c, d]`; the dispatcher receives one array,
//! `[numbers, slab, ...values]`: `numbers` is a `Float64Array` of six per event, holding each
//! number slot, `NaN` where the slot's value is the next of `values` (strings, Buffers, objects,
//! in order), and `-Infinity` for an empty slot; `slab` is the Buffer that this batch's small
//! body chunks were copied into ([`crate::binding::chunk_slab`]), or `undefined`. Why the numbers are a
//! typed array: setting elements of a JS array through N-API one by one (each a created number)
//! took ~8 % of the JS thread's time at 64 requests in flight; a typed array is written
//! directly.
//!
//! | Rust event                 | kind | a                | b             | c            | d                    |
//! |----------------------------|------|------------------|---------------|--------------|----------------------|
//! | [`Event::Response`]        | 1    | status code      | status text   | http version | raw headers (joined) |
//! | [`Event::Data`]            | 2    | Buffer, or offset in `slab` | bytes so far | length in `slab` |       |
//! | [`Event::End`]             | 3    |                  |               |              |                      |
//! | [`Event::Error`]           | 4    | `ERR_*` name     | Chromium code |              |                      |
//! | [`Event::UploadProgress`]  | 5    | position         | total         |              |                      |
//! | [`Event::WriteAck`]        | 6    |                  |               |              |                      |
//! | [`Event::Redirect`]        | 7    | status code      | new method    | new URL      | raw headers (joined) |
//! | [`Event::Login`]           | 8    | `AuthInfo` object|               |              |                      |
//!
//! Raw headers cross as ONE string, `name NUL value NUL name NUL value ...`: creating one JS
//! string is far cheaper than an array of them, and most consumers never read `rawHeaders`, so
//! JS splits it only on first use. NUL cannot occur inside a name or value (RFC 9110 §5.5; the
//! HTTP/1 parser and hyper both refuse it).
//!
//! After `Redirect` the engine waits for `followRedirect(bool)`, after `Login` for
//! `login([user, pass])`; JS answers every one of them exactly once.
//!
//! Panics: the delivery runs on the JS thread inside an `extern "C"` callback, where a panic
//! would abort Node. Each event is converted under `catch_unwind` (free unless it panics); an
//! event that panics fails its request with `net::ERR_FAILED`, and a panic anywhere else in
//! the delivery becomes an uncaught JS `Error`.
//!
//! Keeping Node alive: a load's threadsafe function is referenced while at least one of its
//! requests is in flight (from `start()` until its terminal event has been delivered, or
//! `abort()`), and unreferenced otherwise, so a process (or worker) with nothing in flight can
//! exit, and a load that was abandoned keeps nothing alive.

use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use napi::bindgen_prelude::{BufferSlice, Function, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, Status};

use crate::binding::chunk_slab;
use crate::errors::NetError;
use crate::request::events::{AuthInfo, Channel, Drained, Event, Lifeline};

/// Electron's `AuthInfo`, as the `'login'` event passes it to JS.
#[napi_derive::napi(object, js_name = "AuthInfo")]
pub struct JsAuthInfo {
  pub is_proxy: bool,
  pub scheme: String,
  pub host: String,
  pub port: u32,
  pub realm: String,
}

impl From<AuthInfo> for JsAuthInfo {
  fn from(info: AuthInfo) -> JsAuthInfo {
    let AuthInfo {
      is_proxy,
      scheme,
      host,
      port,
      realm,
    } = info;
    JsAuthInfo {
      is_proxy,
      scheme,
      host,
      port,
      realm,
    }
  }
}

type DispatchFn = ThreadsafeFunction<(), (), Batch, Status, false, false, 0>;

/// What one N-API environment (the main thread, or one worker) holds here. Only its JS thread
/// touches it, so it lives in a thread-local: Node runs one environment per thread.
struct EnvState {
  env: sys::napi_env,
  /// Index `load - 1`.
  loads: Vec<Load>,
  /// Requests of this environment in flight, across its loads.
  in_flight: usize,
  next_request: u32,
}

/// One load of the JS module.
struct Load {
  channel: Arc<Channel>,
  tsfn: Arc<DispatchFn>,
  /// Its requests in flight: its threadsafe function is referenced while this is not 0.
  in_flight: usize,
}

thread_local! {
  static ENV: RefCell<Option<EnvState>> = const { RefCell::new(None) };
}

fn with_state<R>(f: impl FnOnce(&mut EnvState) -> R) -> Option<R> {
  ENV.with(|e| e.borrow_mut().as_mut().map(f))
}

/// One slot of the flat event array.
pub enum Slot {
  Undefined,
  Number(f64),
  Str(String),
  Bytes(Bytes),
  Auth(AuthInfo),
}

impl ToNapiValue for Slot {
  unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    match val {
      Slot::Undefined => <()>::to_napi_value(env, ()),
      Slot::Number(n) => f64::to_napi_value(env, n),
      Slot::Str(s) => String::to_napi_value(env, s),
      Slot::Bytes(b) => bytes_to_buffer(env, b),
      Slot::Auth(info) => JsAuthInfo::to_napi_value(env, info.into()),
    }
  }
}

/// Below this size a copy into a fresh JS Buffer is cheaper than an external buffer (which V8
/// must track and finalize); above it the chunk is lent to JS without copying. `lib/bridge.js`
/// paces young-generation collection by the delivered bytes (`paceYoungGc`), which is what
/// brings a dropped chunk's memory back soon.
const EXTERNAL_BUFFER_MIN: usize = 32 * 1024;

unsafe fn bytes_to_buffer(env: sys::napi_env, bytes: Bytes) -> napi::Result<sys::napi_value> {
  let env_ref = Env::from_raw(env);
  if bytes.len() < EXTERNAL_BUFFER_MIN {
    let copy = BufferSlice::copy_from(&env_ref, &bytes)?;
    return <&BufferSlice>::to_napi_value(env, &copy);
  }
  let ptr = bytes.as_ptr() as *mut u8;
  let len = bytes.len();
  // SAFETY: `ptr..ptr+len` stays valid while `bytes` (the finalize hint) is alive; the
  // finalizer drops it once V8 collects the Buffer. JS never gets another view of the memory.
  // V8 counts the external backing store in its external memory itself.
  let slice = BufferSlice::from_external(&env_ref, ptr, len, bytes, |_env, owner| drop(owner))?;
  <&BufferSlice>::to_napi_value(env, &slice)
}

/// The six slots of one event; a small body chunk is copied into `slab` when there is one.
fn slots(id: u32, event: Event, slab: Option<&mut chunk_slab::SlabCursor>) -> [Slot; 6] {
  use Slot::*;
  let (kind, a, b, c, d) = match event {
    Event::Response {
      status,
      status_text,
      http_version,
      raw_headers,
    } => {
      crate::wire::runtime::panic_in_bridge_if_requested(&status_text);
      (
        1,
        Number(status as f64),
        Str(status_text),
        Str(http_version.to_string()),
        Str(raw_headers),
      )
    }
    Event::Data { chunk, received } => match slab.and_then(|slab| slab.copy(&chunk)) {
      Some(offset) => (
        2,
        Number(offset as f64),
        Number(received as f64),
        Number(chunk.len() as f64),
        Undefined,
      ),
      None => (
        2,
        Bytes(chunk),
        Number(received as f64),
        Undefined,
        Undefined,
      ),
    },
    Event::End => (3, Undefined, Undefined, Undefined, Undefined),
    Event::Error(e) => (
      4,
      Str(e.name.to_string()),
      Number(e.code as f64),
      Undefined,
      Undefined,
    ),
    Event::UploadProgress { position, total } => (
      5,
      Number(position as f64),
      Number(total as f64),
      Undefined,
      Undefined,
    ),
    Event::WriteAck => (6, Undefined, Undefined, Undefined, Undefined),
    Event::Redirect {
      status,
      method,
      url,
      raw_headers,
    } => (
      7,
      Number(status as f64),
      Str(method),
      Str(url),
      Str(raw_headers),
    ),
    Event::Login(info) => (8, Auth(info), Undefined, Undefined, Undefined),
  };
  [Number(id as f64), Number(kind as f64), a, b, c, d]
}

/// Registers one load's JS dispatcher and returns the load's id (what `startRequest` takes).
/// The first load in an environment also sets up that environment's state and its teardown.
pub fn init(env: &Env, dispatch: Function<Vec<Slot>, ()>) -> napi::Result<u32> {
  let raw = env.raw();
  if with_state(|state| state.env == raw) != Some(true) {
    // SAFETY: `teardown` runs on this thread when the environment goes, with `raw` as its
    // argument; it checks the state is that environment's before touching it.
    check(unsafe { sys::napi_add_env_cleanup_hook(raw, Some(teardown), raw.cast()) })?;
    crate::wire::socket_watch::init(env);
    ENV.with(|e| {
      *e.borrow_mut() = Some(EnvState {
        env: raw,
        loads: Vec::new(),
        in_flight: 0,
        next_request: 1,
      })
    });
  }
  let load = with_state(|state| state.loads.len() as u32 + 1).unwrap_or(1);
  let tsfn: DispatchFn = dispatch
    .build_threadsafe_function::<()>()
    .callee_handled::<false>()
    .build_callback(move |ctx| deliver(&ctx.env, load))?;
  // Unreferenced until a request starts: an idle addon must not keep Node alive.
  check(unsafe { sys::napi_unref_threadsafe_function(raw, tsfn.raw()) })?;
  let tsfn = Arc::new(tsfn);
  let caller = tsfn.clone();
  let channel = Channel::new(Box::new(move || {
    caller.call((), ThreadsafeFunctionCallMode::NonBlocking);
  }));
  with_state(|state| {
    state.loads.push(Load {
      channel,
      tsfn,
      in_flight: 0,
    })
  });
  Ok(load)
}

/// The environment is going away (its JS thread, from Node's cleanup hooks): every request it
/// started is aborted, so no engine thread reports to it or keeps its memory any longer.
unsafe extern "C" fn teardown(arg: *mut c_void) {
  let _ = panic::catch_unwind(|| {
    let env: sys::napi_env = arg.cast();
    let Some(state) = ENV.with(|e| {
      let mut e = e.borrow_mut();
      match &*e {
        Some(state) if state.env == env => e.take(),
        _ => None,
      }
    }) else {
      return;
    };
    for load in &state.loads {
      load.channel.close();
    }
    // Stops every socket watch (while the loop can still close them) and drops the tasks.
    crate::binding::requests::abort_all();
    crate::session::forget_all();
    crate::binding::chunk_slab::forget();
    crate::wire::socket_watch::shutdown();
    drop(state);
  });
}

/// The channel of `load`, on its JS thread.
pub fn channel(load: u32) -> Option<Arc<Channel>> {
  with_state(|state| {
    let index = (load as usize).checked_sub(1)?;
    state.loads.get(index).map(|l| l.channel.clone())
  })
  .flatten()
}

/// A new request id, unique among this environment's requests in flight.
pub fn next_request_id() -> u32 {
  with_state(|state| {
    let id = state.next_request;
    state.next_request = state.next_request.checked_add(1).unwrap_or(1);
    id
  })
  .unwrap_or(0)
}

fn check(status: sys::napi_status) -> napi::Result<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::new(
      Status::GenericFailure,
      "threadsafe function reference failed",
    ))
  }
}

/// The dispatcher's argument, the flat event array, built by [`drain`] itself so that every
/// conversion runs inside its panic guards (napi-rs converts a callback's result in an
/// `extern "C"` function, where a panic aborts the process).
struct Batch(sys::napi_value);

impl ToNapiValue for Batch {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    Ok(val.0)
  }
}

/// Runs on the JS thread for each delivery. A panic in one event's conversion fails just that
/// request (see [`drain`]); one anywhere else becomes an uncaught JS `Error` (napi-rs raises a
/// callback's `Err` with `napi_fatal_exception`) instead of unwinding into Node.
fn deliver(env: &Env, load: u32) -> napi::Result<Batch> {
  match panic::catch_unwind(AssertUnwindSafe(|| drain(env, load))) {
    Ok(batch) => batch,
    Err(_) => Err(napi::Error::new(
      Status::GenericFailure,
      "electron-net-rs: internal error while delivering network events",
    )),
  }
}

/// Turns everything queued into one flat JS array for the dispatcher.
fn drain(env: &Env, load: u32) -> napi::Result<Batch> {
  let raw = env.raw();
  let Some(channel) = channel(load) else {
    return unsafe { to_batch(raw, &Packed::default()) };
  };
  let Drained {
    events: items,
    jobs,
  } = channel.drain();
  for job in jobs {
    job();
  }
  let (mut handed_over, mut small) = (0, 0);
  for len in items.iter().map(|item| item.event.body_len()) {
    handed_over += len;
    if chunk_slab::fits(len) {
      small += len;
    }
  }
  crate::request::body_budget::handed_over(handed_over);
  let mut packed = Packed {
    numbers: Vec::with_capacity(items.len() * 6),
    values: Vec::new(),
    slab: if small > 0 {
      Some(unsafe { chunk_slab::cursor(raw, small)? })
    } else {
      None
    },
  };
  for item in items {
    let terminal = item.event.is_terminal();
    if !item.lifeline.cancelled.load(Ordering::SeqCst) {
      let start = packed.mark();
      // Costs nothing unless something panics (unwinding tables only).
      let converted = panic::catch_unwind(AssertUnwindSafe(|| unsafe {
        push_values(raw, &mut packed, item.id, item.event)
      }));
      if !matches!(converted, Ok(Ok(()))) {
        packed.truncate(start);
        // This event cannot reach JS: fail its request with Chromium's generic error, and
        // drop whatever the engine still reports for it (JS aborts it on the error).
        item.lifeline.cancelled.store(true, Ordering::SeqCst);
        let failed = unsafe {
          push_values(
            raw,
            &mut packed,
            item.id,
            Event::Error(NetError::ERR_FAILED),
          )
        };
        if failed.is_err() {
          // Not even that converts (the env is going away): the other requests of the batch
          // must still get their events, and this one must not keep Node alive.
          packed.truncate(start);
          crate::binding::requests::forget(item.id);
        }
        release(env, load, &item.lifeline);
        continue;
      }
    }
    if terminal {
      release(env, load, &item.lifeline);
      crate::binding::requests::forget(item.id);
    }
  }
  if let Some(cursor) = &packed.slab {
    chunk_slab::finish(cursor);
  }
  unsafe { to_batch(raw, &packed) }
}

/// One batch being built: the `numbers` of the module doc, the JS `values`, and where its small
/// body chunks go.
#[derive(Default)]
struct Packed {
  numbers: Vec<f64>,
  values: Vec<sys::napi_value>,
  slab: Option<chunk_slab::SlabCursor>,
}

/// In `numbers`: the slot's value is the next of `values`.
const FROM_VALUES: f64 = f64::NAN;
/// In `numbers`: the slot is empty (`undefined` in JS).
const EMPTY: f64 = f64::NEG_INFINITY;

impl Packed {
  fn mark(&self) -> (usize, usize) {
    (self.numbers.len(), self.values.len())
  }

  fn truncate(&mut self, (numbers, values): (usize, usize)) {
    self.numbers.truncate(numbers);
    self.values.truncate(values);
  }
}

/// Converts one event's slots, appended to `out`.
unsafe fn push_values(
  env: sys::napi_env,
  out: &mut Packed,
  id: u32,
  event: Event,
) -> napi::Result<()> {
  for slot in slots(id, event, out.slab.as_mut()) {
    match slot {
      Slot::Number(n) => {
        // Both are markers; no event carries them as a number (counts, codes, ids).
        debug_assert!(!n.is_nan() && n != EMPTY);
        out.numbers.push(n)
      }
      Slot::Undefined => out.numbers.push(EMPTY),
      other => {
        out.values.push(Slot::to_napi_value(env, other)?);
        out.numbers.push(FROM_VALUES);
      }
    }
  }
  Ok(())
}

unsafe fn to_batch(env: sys::napi_env, packed: &Packed) -> napi::Result<Batch> {
  let bytes = packed.numbers.len() * std::mem::size_of::<f64>();
  let mut data = std::ptr::null_mut();
  let mut buffer = std::ptr::null_mut();
  napi::check_status!(sys::napi_create_arraybuffer(
    env,
    bytes,
    &mut data,
    &mut buffer
  ))?;
  if bytes > 0 {
    // SAFETY: V8 just allocated `bytes` writable bytes at `data`; copied as bytes, so nothing
    // is assumed of its alignment (the Float64Array views it from offset 0).
    std::ptr::copy_nonoverlapping(packed.numbers.as_ptr() as *const u8, data as *mut u8, bytes);
  }
  let mut numbers = std::ptr::null_mut();
  napi::check_status!(sys::napi_create_typedarray(
    env,
    sys::TypedarrayType::float64_array,
    packed.numbers.len(),
    buffer,
    0,
    &mut numbers
  ))?;
  let mut array = std::ptr::null_mut();
  napi::check_status!(sys::napi_create_array_with_length(
    env,
    packed.values.len() + 2,
    &mut array
  ))?;
  napi::check_status!(sys::napi_set_element(env, array, 0, numbers))?;
  if let Some(cursor) = &packed.slab {
    napi::check_status!(sys::napi_set_element(env, array, 1, cursor.slab))?;
  }
  for (i, value) in packed.values.iter().enumerate() {
    napi::check_status!(sys::napi_set_element(env, array, i as u32 + 2, *value))?;
  }
  Ok(Batch(array))
}

/// Takes a share of `load`'s "keep Node alive" reference for a starting request (JS thread).
pub fn retain(env: &Env, load: u32, lifeline: &Lifeline) -> napi::Result<()> {
  let tsfn = with_state(|state| {
    let index = (load as usize).checked_sub(1)?;
    let entry = state.loads.get_mut(index)?;
    if lifeline.holds_ref.swap(true, Ordering::SeqCst) {
      return Some(None);
    }
    state.in_flight += 1;
    entry.in_flight += 1;
    Some((entry.in_flight == 1).then(|| entry.tsfn.clone()))
  })
  .flatten()
  .ok_or_else(|| napi::Error::new(Status::GenericFailure, "unknown module load"))?;
  match tsfn {
    Some(tsfn) => check(unsafe { sys::napi_ref_threadsafe_function(env.raw(), tsfn.raw()) }),
    None => Ok(()),
  }
}

/// Gives back a request's share (JS thread); idempotent.
pub fn release(env: &Env, load: u32, lifeline: &Lifeline) {
  let tsfn = with_state(|state| {
    let index = (load as usize).checked_sub(1)?;
    let entry = state.loads.get_mut(index)?;
    if !lifeline.holds_ref.swap(false, Ordering::SeqCst) {
      return None;
    }
    state.in_flight -= 1;
    entry.in_flight -= 1;
    (entry.in_flight == 0).then(|| entry.tsfn.clone())
  })
  .flatten();
  if let Some(tsfn) = tsfn {
    let _ = check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn.raw()) });
  }
}

/// This environment's requests started and not yet finished (diagnostics, leak tests, and
/// whether a new request is first polled on the JS thread).
pub fn in_flight() -> usize {
  with_state(|state| state.in_flight).unwrap_or(0)
}
