//! The one place that moves events from the engine (tokio threads) to JavaScript.
//!
//! A single long-lived ThreadsafeFunction wraps the JS dispatcher given to [`init`]. Events are
//! queued here and delivered in batches: the first event queued after a delivery schedules one
//! threadsafe call, and that call drains everything queued by the time it runs. An event has six
//! slots, `[id, kind, a, b, c, d]`; the dispatcher receives one array,
//! `[numbers, slab, ...values]`: `numbers` is a `Float64Array` of six per event, holding each
//! number slot, `NaN` where the slot's value is the next of `values` (strings, Buffers, objects,
//! in order), and `-Infinity` for an empty slot; `slab` is the Buffer that this batch's small
//! body chunks were copied into ([`crate::chunk_slab`]), or `undefined`. Why the numbers are a
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
//! Keeping Node alive: the threadsafe function is referenced while at least one request is in
//! flight (from `start()` until its terminal event has been delivered, or `abort()`), and
//! unreferenced otherwise, so a process with nothing in flight can exit.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use napi::bindgen_prelude::{BufferSlice, Function, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, Status};

use crate::chunk_slab;
use crate::errors::NetError;

/// What a request reports to JS, in the order it happens.
pub enum Event {
  Response {
    status: u16,
    status_text: String,
    http_version: &'static str,
    /// Already joined for JS (see [`crate::header_block`]).
    raw_headers: String,
  },
  Data {
    chunk: Bytes,
    received: u64,
  },
  End,
  Error(NetError),
  UploadProgress {
    position: u64,
    total: u64,
  },
  WriteAck,
  Redirect {
    status: u16,
    method: String,
    url: String,
    /// Already joined for JS (see [`crate::header_block`]).
    raw_headers: String,
  },
  Login(AuthInfo),
}

/// Electron's `AuthInfo`, passed to the `'login'` event.
#[napi_derive::napi(object)]
#[derive(Debug, Clone)]
pub struct AuthInfo {
  pub is_proxy: bool,
  pub scheme: String,
  pub host: String,
  pub port: u32,
  pub realm: String,
}

impl Event {
  fn is_terminal(&self) -> bool {
    matches!(self, Event::End | Event::Error(_))
  }
}

/// Per-request bookkeeping shared between the engine task and the JS-thread methods.
#[derive(Default)]
pub struct Lifeline {
  /// Set by `abort()`: nothing more is delivered for this request.
  pub cancelled: AtomicBool,
  /// Whether this request still holds its share of the "keep Node alive" reference.
  holds_ref: AtomicBool,
}

struct Queued {
  id: u32,
  event: Event,
  lifeline: Arc<Lifeline>,
}

type DispatchFn = ThreadsafeFunction<(), (), Batch, Status, false, false, 0>;

struct Bridge {
  tsfn: DispatchFn,
  queue: Mutex<VecDeque<Queued>>,
  scheduled: AtomicBool,
}

static BRIDGE: OnceLock<Bridge> = OnceLock::new();
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

fn body_len(event: &Event) -> usize {
  match event {
    Event::Data { chunk, .. } => chunk.len(),
    _ => 0,
  }
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
      Slot::Auth(info) => AuthInfo::to_napi_value(env, info),
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
      crate::runtime::panic_in_bridge_if_requested(&status_text);
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

/// Registers the JS dispatcher. Called once per process by `lib/bridge.js`.
pub fn init(env: &Env, dispatch: Function<Vec<Slot>, ()>) -> napi::Result<()> {
  if BRIDGE.get().is_some() {
    return Ok(());
  }
  let tsfn: DispatchFn = dispatch
    .build_threadsafe_function::<()>()
    .callee_handled::<false>()
    .build_callback(|ctx| deliver(&ctx.env))?;
  // Unreferenced until a request starts: an idle addon must not keep Node alive.
  check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn.raw()) })?;
  crate::socket_watch::init(env);
  let _ = BRIDGE.set(Bridge {
    tsfn,
    queue: Mutex::new(VecDeque::new()),
    scheduled: AtomicBool::new(false),
  });
  Ok(())
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
fn deliver(env: &Env) -> napi::Result<Batch> {
  match panic::catch_unwind(AssertUnwindSafe(|| drain(env))) {
    Ok(batch) => batch,
    Err(_) => Err(napi::Error::new(
      Status::GenericFailure,
      "electron-net-rs: internal error while delivering network events",
    )),
  }
}

/// Turns everything queued into one flat JS array for the dispatcher.
fn drain(env: &Env) -> napi::Result<Batch> {
  let raw = env.raw();
  let Some(bridge) = BRIDGE.get() else {
    return unsafe { to_batch(raw, &Packed::default()) };
  };
  // Cleared before draining, so an event queued from now on schedules another delivery.
  bridge.scheduled.store(false, Ordering::SeqCst);
  crate::runtime::move_poked();
  crate::js_buffer::release_spent();
  let items: Vec<Queued> = {
    let mut q = bridge.queue.lock().unwrap_or_else(|p| p.into_inner());
    q.drain(..).collect()
  };
  let (mut handed_over, mut small) = (0, 0);
  for len in items.iter().map(|item| body_len(&item.event)) {
    handed_over += len;
    if chunk_slab::fits(len) {
      small += len;
    }
  }
  crate::body_budget::handed_over(handed_over);
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
          crate::loader::forget(item.id);
        }
        release(env, &item.lifeline);
        continue;
      }
    }
    if terminal {
      release(env, &item.lifeline);
      crate::loader::forget(item.id);
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

/// Queues `event` for request `id`. Safe from any thread; never blocks and never drops.
pub fn emit(id: u32, lifeline: &Arc<Lifeline>, event: Event) {
  let Some(bridge) = BRIDGE.get() else {
    return;
  };
  {
    crate::body_budget::queued(body_len(&event));
    let mut q = bridge.queue.lock().unwrap_or_else(|p| p.into_inner());
    q.push_back(Queued {
      id,
      event,
      lifeline: lifeline.clone(),
    });
  }
  if !bridge.scheduled.swap(true, Ordering::SeqCst) {
    bridge
      .tsfn
      .call((), ThreadsafeFunctionCallMode::NonBlocking);
  }
}

/// Schedules a delivery with no event of its own, for what the JS thread does at each one:
/// [`crate::runtime::move_poked`] (a task woken elsewhere while the JS thread watched its
/// socket) and [`crate::js_buffer::release_spent`].
pub fn poke() {
  let Some(bridge) = BRIDGE.get() else {
    return;
  };
  if !bridge.scheduled.swap(true, Ordering::SeqCst) {
    bridge
      .tsfn
      .call((), ThreadsafeFunctionCallMode::NonBlocking);
  }
}

/// Takes a share of the "keep Node alive" reference for a starting request (JS thread only).
pub fn retain(env: &Env, lifeline: &Lifeline) -> napi::Result<()> {
  let Some(bridge) = BRIDGE.get() else {
    return Err(napi::Error::new(
      Status::GenericFailure,
      "bridge not initialised",
    ));
  };
  if lifeline.holds_ref.swap(true, Ordering::SeqCst) {
    return Ok(());
  }
  if IN_FLIGHT.fetch_add(1, Ordering::SeqCst) == 0 {
    check(unsafe { sys::napi_ref_threadsafe_function(env.raw(), bridge.tsfn.raw()) })?;
  }
  Ok(())
}

/// Gives back a request's share (JS thread only); idempotent.
pub fn release(env: &Env, lifeline: &Lifeline) {
  let Some(bridge) = BRIDGE.get() else {
    return;
  };
  if !lifeline.holds_ref.swap(false, Ordering::SeqCst) {
    return;
  }
  if IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) == 1 {
    let _ = check(unsafe { sys::napi_unref_threadsafe_function(env.raw(), bridge.tsfn.raw()) });
  }
}

/// Requests started and not yet finished, for diagnostics and leak tests.
pub fn in_flight() -> usize {
  IN_FLIGHT.load(Ordering::SeqCst)
}
