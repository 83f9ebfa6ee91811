//! What each N-API environment (the main thread, or one worker thread) holds: its module loads
//! (each with a channel and a doorbell), its requests in flight, and its teardown.
//! Only the environment's JS thread touches it, so it lives in a thread-local: Node runs one
//! environment per thread.

use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use napi::{sys, Env, Status};

use crate::binding::doorbell::Doorbell;
use crate::config::TUNING;
use crate::request::events::{Channel, Lifeline};

/// One environment's state.
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
  doorbell: Arc<Doorbell>,
  /// Its requests in flight: its doorbell is referenced (keeps Node alive) while this is not 0.
  in_flight: usize,
}

thread_local! {
  static ENV: RefCell<Option<EnvState>> = const { RefCell::new(None) };
}

impl EnvState {
  /// Enough requests in flight that the engine puts its wake-ups of this thread off to the end
  /// of its turn (`Channel::set_busy`).
  fn busy(&self) -> bool {
    self.in_flight > TUNING.poll_here_max_in_flight
  }
}

impl Load {
  /// Stops delivering this load's events: what is queued is dropped, and its doorbell closed
  /// (JS thread, its environment still there). Each step on its own, so that one that panics
  /// does not skip the other.
  fn close(&self) {
    drop(panic::catch_unwind(AssertUnwindSafe(|| {
      self.channel.close()
    })));
    drop(panic::catch_unwind(AssertUnwindSafe(|| {
      self.doorbell.close()
    })));
  }
}

fn with_state<R>(f: impl FnOnce(&mut EnvState) -> R) -> Option<R> {
  ENV.with(|e| e.borrow_mut().as_mut().map(f))
}

/// Sets up this thread's environment on its first load: state, and the teardown hook.
pub fn ensure(env: &Env) -> napi::Result<()> {
  let raw = env.raw();
  if with_state(|state| state.env == raw) == Some(true) {
    return Ok(());
  }
  // SAFETY: `teardown` runs on this thread when the environment goes, with `raw` as its
  // argument; it checks the state is that environment's before touching it.
  check(unsafe { sys::napi_add_env_cleanup_hook(raw, Some(teardown), raw.cast()) })?;
  if let Ok(uv_loop) = env.get_uv_event_loop() {
    crate::wire::socket_watch::init(uv_loop.cast());
  }
  let previous = ENV.with(|e| {
    e.borrow_mut().replace(EnvState {
      env: raw,
      loads: Vec::new(),
      in_flight: 0,
      next_request: 1,
    })
  });
  // Another environment on this thread (an embedder running several; Node runs one per
  // thread): its loads stop delivering here, and their doorbells are closed now, on this thread,
  // while it still exists (its own teardown finds no state of its own and does nothing).
  if let Some(previous) = previous {
    previous.loads.iter().for_each(Load::close);
  }
  Ok(())
}

/// Adds a load whose events `doorbell` delivers (unreferenced until a request starts: an idle
/// addon must not keep Node alive); returns its id (from 1).
pub fn add_load(doorbell: Doorbell) -> napi::Result<u32> {
  let doorbell = Arc::new(doorbell);
  let ringer = doorbell.clone();
  let channel = Channel::new(Box::new(move || ringer.ring()));
  with_state(|state| {
    channel.set_busy(state.busy());
    state.loads.push(Load {
      channel,
      doorbell,
      in_flight: 0,
    });
    state.loads.len() as u32
  })
  .ok_or_else(|| napi::Error::new(Status::GenericFailure, "no environment state"))
}

/// The id the next load will get.
pub fn next_load() -> u32 {
  with_state(|state| state.loads.len() as u32 + 1).unwrap_or(1)
}

/// The environment is going away (its JS thread, from Node's cleanup hooks): every request it
/// started is aborted, so no engine thread reports to it or keeps its memory any longer.
unsafe extern "C" fn teardown(arg: *mut c_void) {
  let env: sys::napi_env = arg.cast();
  let taken = panic::catch_unwind(|| {
    ENV.with(|e| {
      let mut e = e.borrow_mut();
      match &*e {
        Some(state) if state.env == env => e.take(),
        _ => None,
      }
    })
  });
  let Ok(Some(state)) = taken else {
    return;
  };
  // Each step on its own: one that panics must not skip the others (a watch left armed would
  // make Node abort when the worker's loop closes). Watches first, while the loop can still
  // close them: aborting every task stops them.
  let step = |f: &dyn Fn()| drop(panic::catch_unwind(AssertUnwindSafe(f)));
  step(&crate::binding::requests::abort_all);
  state.loads.iter().for_each(Load::close);
  // Cookies still waiting for their batch are written before the sessions go (Chromium
  // flushes its cookie store at shutdown too).
  step(&crate::binding::cookies::flush_all);
  step(&crate::binding::session::forget_all);
  step(&crate::binding::cert_verify::forget);
  step(&crate::binding::chunk_slab::forget);
  step(&crate::wire::socket_watch::shutdown);
  drop(panic::catch_unwind(AssertUnwindSafe(move || drop(state))));
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
      "environment cleanup hook failed",
    ))
  }
}

/// Moves a request's share of `load`'s "keep Node alive" reference (JS thread): takes it
/// (`hold`) or gives it back, once each. Returns the load's doorbell when its count just left
/// or reached 0, so that the caller references or unreferences it.
fn share(load: u32, lifeline: &Lifeline, hold: bool) -> Option<Arc<Doorbell>> {
  with_state(|state| {
    let entry = state.loads.get_mut((load as usize).checked_sub(1)?)?;
    if lifeline.holds_ref.swap(hold, Ordering::SeqCst) == hold {
      return None;
    }
    let edge = if hold {
      entry.in_flight += 1;
      entry.in_flight == 1
    } else {
      entry.in_flight -= 1;
      entry.in_flight == 0
    };
    edge.then(|| entry.doorbell.clone())
  })
  .flatten()
}

/// Counts a request in flight (`start`) or no longer, once each.
fn count(lifeline: &Lifeline, start: bool) {
  if lifeline.counted.swap(start, Ordering::SeqCst) == start {
    return;
  }
  with_state(|state| {
    let was = state.busy();
    if start {
      state.in_flight += 1;
    } else {
      state.in_flight -= 1;
    }
    if state.busy() != was {
      for load in &state.loads {
        load.channel.set_busy(!was);
      }
    }
  });
}

fn hold(load: u32, lifeline: &Lifeline) {
  if let Some(doorbell) = share(load, lifeline, true) {
    doorbell.set_ref(true);
  }
}

fn let_go(load: u32, lifeline: &Lifeline) {
  if let Some(doorbell) = share(load, lifeline, false) {
    doorbell.set_ref(false);
  }
}

/// Counts a starting request in flight and takes its share of `load`'s "keep Node alive"
/// reference (JS thread; `load` is one `startRequest` found).
pub fn retain(load: u32, lifeline: &Lifeline) {
  count(lifeline, true);
  hold(load, lifeline);
}

/// A request's end (JS thread): no longer in flight, its share given back; idempotent.
pub fn release(load: u32, lifeline: &Lifeline) {
  count(lifeline, false);
  let_go(load, lifeline);
}

/// A request whose body waits for the app gives its share back but stays in flight.
pub fn park(load: u32, lifeline: &Lifeline) {
  let_go(load, lifeline);
}

/// A parked request the app reads again takes its share back (nothing once it has ended).
pub fn unpark(load: u32, lifeline: &Lifeline) {
  if lifeline.counted.load(Ordering::SeqCst) && !lifeline.cancelled.load(Ordering::SeqCst) {
    hold(load, lifeline);
  }
}

/// This environment's requests started and not yet finished (diagnostics, leak tests, and
/// whether a new request is first polled on the JS thread).
pub fn in_flight() -> usize {
  with_state(|state| state.in_flight).unwrap_or(0)
}
