//! What a request reports to JS, and the channel that carries it there.
//!
//! Every load of the JS module (`lib/bridge.js` calling `init`) gets a [`Channel`] of its own:
//! jest, vitest and hot-reload tools load the module again with a fresh module cache, and each
//! copy must get its own requests' events. A channel is a queue the engine (any thread) fills and
//! the JS thread of its load drains, plus jobs that must run on that JS thread (a socket watch to
//! stop, JS Buffers to release). How a drain is scheduled is the binding's business: it installs
//! a scheduler when it makes the channel, so nothing here knows about N-API.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;

use crate::errors::NetError;
use crate::wire::runtime::idle;

/// What a request reports to JS, in the order it happens.
pub enum Event {
  Response {
    status: u16,
    status_text: String,
    http_version: &'static str,
    /// Already joined for JS (see [`crate::wire::header_block`]).
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
    /// Already joined for JS (see [`crate::wire::header_block`]).
    raw_headers: String,
  },
  Login(AuthInfo),
  /// Not a request's: a session's cookie store has changes for `ses.cookies` (sent with
  /// request id 0, which no request has).
  CookiesChanged {
    session: u32,
  },
}

impl Event {
  /// The last event of a request: nothing follows it.
  pub fn is_terminal(&self) -> bool {
    matches!(self, Event::End | Event::Error(_))
  }

  /// Response body bytes this event carries (counted against the body budget while queued).
  pub fn body_len(&self) -> usize {
    match self {
      Event::Data { chunk, .. } => chunk.len(),
      _ => 0,
    }
  }
}

/// Electron's `AuthInfo`, passed to the `'login'` event.
#[derive(Debug, Clone)]
pub struct AuthInfo {
  pub is_proxy: bool,
  pub scheme: String,
  pub host: String,
  pub port: u32,
  pub realm: String,
}

/// Per-request bookkeeping shared between the engine task and the JS-thread functions.
#[derive(Default)]
pub struct Lifeline {
  /// Set by `abort()`: nothing more is delivered for this request.
  pub cancelled: AtomicBool,
  /// Whether this request still holds its share of the "keep Node alive" reference (not while
  /// its body is parked: full, and the app not reading).
  pub holds_ref: AtomicBool,
  /// Whether this request is counted in flight (from its start to its terminal event).
  pub counted: AtomicBool,
}

/// One event waiting for JS.
pub struct Queued {
  pub id: u32,
  pub event: Event,
  pub lifeline: Arc<Lifeline>,
}

/// Work that must run on the channel's JS thread.
pub type Job = Box<dyn FnOnce() + Send>;

/// What a drain takes out of a channel.
pub struct Drained {
  pub events: Vec<Queued>,
  pub jobs: Vec<Job>,
}

#[derive(Default)]
struct Pending {
  events: VecDeque<Queued>,
  jobs: Vec<Job>,
  /// The load's environment is gone: nothing is queued any more.
  closed: bool,
}

impl Pending {
  fn take(&mut self) -> Drained {
    Drained {
      events: self.events.drain(..).collect(),
      jobs: std::mem::take(&mut self.jobs),
    }
  }
}

/// The queue between the engine and one load's JS thread.
pub struct Channel {
  pending: Mutex<Pending>,
  /// A drain is scheduled and has not started: later events ride along with it.
  scheduled: AtomicBool,
  /// Asks the JS thread for a drain (the binding's doorbell); safe from any thread.
  schedule: Box<dyn Fn() + Send + Sync>,
  /// This channel, for a drain put off until the engine thread runs out of work.
  me: Weak<Channel>,
  /// Enough requests of its JS thread are in flight that events come several per engine turn:
  /// only then is a drain put off (with few, the next event is not coming, and waiting would
  /// only add the rest of the engine's turn to each response).
  busy: AtomicBool,
}

/// A body chunk this large asks for its drain at once: a large body gains nothing from waiting
/// for company, and its reader may be waiting for it.
const DRAIN_AT_ONCE: usize = 16 * 1024;

impl Channel {
  pub fn new(schedule: Box<dyn Fn() + Send + Sync>) -> Arc<Channel> {
    Arc::new_cyclic(|me| Channel {
      pending: Mutex::new(Pending::default()),
      scheduled: AtomicBool::new(false),
      schedule,
      me: me.clone(),
      busy: AtomicBool::new(false),
    })
  }

  fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
    self.pending.lock().unwrap_or_else(|p| p.into_inner())
  }

  /// Queues `event` for request `id`. Safe from any thread; never blocks on JS and never drops
  /// an event while the load is alive.
  pub fn emit(&self, id: u32, lifeline: &Arc<Lifeline>, event: Event) {
    let len = {
      let mut pending = self.pending();
      if pending.closed {
        return;
      }
      let len = event.body_len();
      crate::request::body_budget::queued(len);
      pending.events.push_back(Queued {
        id,
        event,
        lifeline: lifeline.clone(),
      });
      len
    };
    self.wake(len >= DRAIN_AT_ONCE);
  }

  /// Runs `job` on the JS thread at its next drain (scheduling one). Once the load is gone the
  /// job is dropped where it is: what it held is then released by its own rules.
  pub fn on_js_thread(&self, job: Job) {
    {
      let mut pending = self.pending();
      if pending.closed {
        drop(pending);
        return drop(job);
      }
      pending.jobs.push(job);
    }
    self.wake(false);
  }

  /// Whether enough requests are in flight for drains to be put off (see `busy`).
  pub fn set_busy(&self, busy: bool) {
    self.busy.store(busy, Ordering::Relaxed);
  }

  /// Schedules a drain for what was just queued, unless one is. While busy, on an engine
  /// thread, when that thread runs out of work (or holds too much, see [`idle`]), so that one
  /// drain carries all that one turn produced; at once if `urgent` (a large body chunk).
  fn wake(&self, urgent: bool) {
    let busy = self.busy.load(Ordering::Relaxed);
    if !self.scheduled.swap(true, Ordering::SeqCst) {
      match self.me.upgrade().filter(|_| busy) {
        Some(me) => idle::later(Box::new(move || (me.schedule)())),
        None => (self.schedule)(),
      }
    }
    if urgent {
      idle::flush();
    }
    // Counted whether busy or not: the bound is on what this thread holds for every channel.
    let flushed = urgent || idle::held();
    if busy && flushed {
      // This channel's own wake-up may be held by another engine thread (one scheduled drain
      // at a time): ring now; a second ring costs at most a delivery that finds nothing.
      (self.schedule)();
    }
  }

  /// Takes everything queued (JS thread, at a drain).
  pub fn drain(&self) -> Drained {
    // Cleared first, so that anything queued from now on schedules another drain.
    self.scheduled.store(false, Ordering::SeqCst);
    self.pending().take()
  }

  /// The load's environment is being torn down (its JS thread, in the cleanup hook): drops what
  /// is queued, returning the body bytes to the budget, runs the jobs, and refuses anything new.
  pub fn close(&self) {
    let Drained { events, jobs } = {
      let mut pending = self.pending();
      pending.closed = true;
      pending.take()
    };
    crate::request::body_budget::handed_over(events.iter().map(|q| q.event.body_len()).sum());
    for job in jobs {
      // A job that panics must not keep the others (Buffers to release) from running.
      drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
    }
  }
}

impl crate::wire::runtime::JsThread for Channel {
  fn run(&self, job: Job) {
    self.on_js_thread(job);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicUsize;

  fn counting() -> (Arc<Channel>, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let channel = Channel::new(Box::new(move || {
      seen.fetch_add(1, Ordering::SeqCst);
    }));
    (channel, calls)
  }

  #[test]
  fn one_drain_is_scheduled_for_everything_queued_before_it() {
    let (channel, calls) = counting();
    let lifeline = Arc::new(Lifeline::default());
    channel.emit(1, &lifeline, Event::End);
    channel.emit(2, &lifeline, Event::WriteAck);
    channel.on_js_thread(Box::new(|| {}));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let drained = channel.drain();
    assert_eq!(drained.events.len(), 2);
    assert_eq!(drained.jobs.len(), 1);
    channel.emit(3, &lifeline, Event::End);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
  }

  #[test]
  fn a_closed_channel_runs_its_jobs_and_takes_nothing_more() {
    let (channel, calls) = counting();
    let lifeline = Arc::new(Lifeline::default());
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    channel.on_js_thread(Box::new(move || flag.store(true, Ordering::SeqCst)));
    channel.emit(1, &lifeline, Event::End);
    channel.close();
    assert!(ran.load(Ordering::SeqCst));
    channel.emit(2, &lifeline, Event::End);
    channel.on_js_thread(Box::new(|| {}));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let drained = channel.drain();
    assert!(drained.events.is_empty() && drained.jobs.is_empty());
  }
}
