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
//! Events are delivered in batches: the first event queued after a delivery rings the load's
//! doorbell ([`crate::binding::doorbell`], a `uv_async_t`), and the delivery it makes drains
//! everything queued by the time it runs. An event has six
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
//! | [`Event::CookiesChanged`]  | 9    | session id       |               |              |                      |
//!
//! `CookiesChanged` has request id 0: it is a session's, not a request's (`ses.cookies` then
//! takes the changes, `src/binding/cookies.rs`).
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
//! Keeping Node alive: a load's doorbell is referenced while at least one of its
//! requests is in flight (from `start()` until its terminal event has been delivered, or
//! `abort()`), and unreferenced otherwise, so a process (or worker) with nothing in flight can
//! exit, and a load that was abandoned keeps nothing alive.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;

use napi::bindgen_prelude::Function;
use napi::{Env, JsValue};

use crate::binding::batch::{self, Batch, Packed, Slot};
use crate::binding::chunk_slab;
use crate::binding::doorbell::{Deliver, Doorbell};
use crate::binding::env::{self, channel, release};
use crate::errors::NetError;
use crate::request::events::{Drained, Event};

/// Registers one load's JS dispatcher and returns the load's id (what `startRequest` takes).
/// The first load in an environment also sets up that environment's state and its teardown.
pub fn init(env: &Env, dispatch: Function<Vec<Slot>, ()>) -> napi::Result<u32> {
  env::ensure(env)?;
  let load = env::next_load();
  // Runs on the JS thread for each delivery. A panic in one event's conversion fails just that
  // request (see `drain`); one anywhere else becomes an uncaught JS `Error` (the doorbell
  // catches it) instead of unwinding into Node.
  let deliver: Deliver =
    Box::new(move |raw| drain(&Env::from_raw(raw), load).map(|batch| batch.map(Batch::raw)));
  // SAFETY: on the JS thread, with this env's function.
  let doorbell = unsafe { Doorbell::new(env.raw(), dispatch.raw(), deliver)? };
  env::add_load(doorbell)
}

/// Turns everything queued into one flat JS array for the dispatcher; `None` when no event is.
fn drain(env: &Env, load: u32) -> napi::Result<Option<Batch>> {
  let raw = env.raw();
  let Some(channel) = channel(load) else {
    return Ok(None);
  };
  let Drained {
    events: items,
    jobs,
  } = channel.drain();
  for job in jobs {
    job();
  }
  if items.is_empty() {
    return Ok(None);
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
      // No slab (V8 refused the memory): each small chunk gets a Buffer of its own instead;
      // failing the whole batch would lose terminal events and their bookkeeping.
      unsafe { chunk_slab::cursor(raw, small) }.ok()
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
        batch::push_values(raw, &mut packed, item.id, item.event)
      }));
      if !matches!(converted, Ok(Ok(()))) {
        packed.truncate(start);
        // This event cannot reach JS: fail its request with Chromium's generic error, and
        // drop whatever the engine still reports for it (JS aborts it on the error).
        item.lifeline.cancelled.store(true, Ordering::SeqCst);
        let failed = unsafe {
          batch::push_values(
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
          crate::binding::requests::abort_quietly(item.id);
        }
        release(load, &item.lifeline);
        continue;
      }
    }
    if terminal {
      release(load, &item.lifeline);
      crate::binding::requests::forget(item.id);
    }
  }
  if let Some(cursor) = &packed.slab {
    chunk_slab::finish(cursor);
  }
  unsafe { batch::to_batch(raw, &packed) }.map(Some)
}
