//! A pool's idle HTTP/1.1 connections, and the one task per pool that closes them when they
//! are no use any more: at their idle deadline, or as soon as the server closes them (or sends
//! bytes nobody asked for), rather than when their origin is next used. Before, a socket the
//! server had closed sat in CLOSE_WAIT, and an expired one stayed open, until then.
//!
//! What it costs: no timer per connection, one per pool (the sweeper's, armed at the earliest
//! moment anything is due), and no polling: the sweeper registers each idle socket's readiness
//! with the reactor and sleeps until one turns readable or its timer fires. A connection is
//! watched only once it has been idle for `TUNING.idle_watch_after`: one reused at once (one request after
//! another) is never touched, so the hot path pays nothing, not even the system call that would
//! put a socket the JS thread reads itself (`socket_watch`) back in tokio's reactor.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::config::TUNING;
use crate::wire::http1;
use crate::wire::origin::Target;

struct Entry {
  since: Instant,
  conn: http1::Connection,
  /// Its socket's readiness is registered with the sweeper.
  watched: bool,
}

#[derive(Default)]
struct State {
  conns: HashMap<Target, Vec<Entry>>,
  /// The sweeper's waker, once it has run.
  waker: Option<Waker>,
  /// When the sweeper's timer fires (`None`: not armed, nothing was due).
  armed_at: Option<Instant>,
  started: bool,
}

#[derive(Default)]
struct Shared {
  state: Mutex<State>,
}

impl Shared {
  fn lock(&self) -> MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|p| p.into_inner())
  }
}

#[derive(Default)]
pub struct IdleSet {
  shared: Arc<Shared>,
  sweeper: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for IdleSet {
  fn drop(&mut self) {
    if let Some(handle) = self
      .sweeper
      .get_mut()
      .unwrap_or_else(|p| p.into_inner())
      .take()
    {
      handle.abort();
    }
  }
}

impl IdleSet {
  /// The most recently idle connection to `target` still fit for a request.
  pub fn take(&self, target: &Target) -> Option<http1::Connection> {
    let timeout = crate::config::env().idle_timeout;
    let mut state = self.shared.lock();
    let list = state.conns.get_mut(target)?;
    while let Some(Entry {
      since,
      mut conn,
      watched,
    }) = list.pop()
    {
      if watched && !conn.end_idle_watch() {
        continue;
      }
      if since.elapsed() < timeout && !conn.is_stale() {
        return Some(conn);
      }
    }
    None
  }

  /// Keeps `conn` for the next request to `target` if `current()`, asked under the set's lock,
  /// says the pool has not been closed since its exchange began.
  pub fn put(&self, target: &Target, conn: http1::Connection, current: impl FnOnce() -> bool) {
    let now = Instant::now();
    let timeout = crate::config::env().idle_timeout;
    let mut state = self.shared.lock();
    if !current() {
      return;
    }
    let list = match state.conns.get_mut(target) {
      Some(list) => list,
      None => state.conns.entry(target.clone()).or_default(),
    };
    // Oldest first (connections are pushed and popped at the end): the expired ones are a
    // prefix, found with one clock read instead of one per idle connection.
    let expired = list.partition_point(|e| now.duration_since(e.since) >= timeout);
    list.drain(..expired);
    if list.len() >= TUNING.max_idle_per_origin {
      return;
    }
    list.push(Entry {
      since: now,
      conn,
      watched: false,
    });
    // The sweeper must look at this one by the time it is due for a watch (all that is due
    // later is due after it); asleep until later or not at all, it is woken to re-arm.
    let due = now + TUNING.idle_watch_after;
    if state.armed_at.is_some_and(|at| at <= due) {
      return;
    }
    state.armed_at = Some(due);
    if let Some(waker) = &state.waker {
      waker.wake_by_ref();
    } else if !state.started {
      state.started = true;
      drop(state);
      let sweeper = Sweeper {
        shared: Arc::downgrade(&self.shared),
        timer: None,
      };
      let handle = crate::wire::runtime::spawn(sweeper);
      *self.sweeper.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.abort_handle());
    }
  }

  pub fn clear(&self) {
    self.shared.lock().conns.clear();
  }
}

/// The task that closes a pool's idle connections once they expire or their server closes them.
struct Sweeper {
  shared: Weak<Shared>,
  /// Made on the first poll (a timer needs the runtime's context).
  timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Future for Sweeper {
  type Output = ();

  fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
    let me = self.get_mut();
    let Some(shared) = me.shared.upgrade() else {
      return Poll::Ready(());
    };
    let timeout = crate::config::env().idle_timeout;
    let mut state = shared.lock();
    if !state
      .waker
      .as_ref()
      .is_some_and(|w| w.will_wake(cx.waker()))
    {
      state.waker = Some(cx.waker().clone());
    }
    let now = Instant::now();
    let mut next: Option<Instant> = None;
    let mut due = |at: Instant| next = Some(next.map_or(at, |n| n.min(at)));
    // Dropped here, under the lock: closing a socket is one system call each.
    state.conns.retain(|_, list| {
      list.retain_mut(|entry| {
        let deadline = entry.since + timeout;
        if deadline <= now {
          return false;
        }
        if entry.watched || now >= entry.since + TUNING.idle_watch_after {
          entry.watched = true;
          if entry.conn.poll_idle(cx).is_ready() {
            return false;
          }
          due(deadline);
        } else {
          due(entry.since + TUNING.idle_watch_after);
        }
        true
      });
      !list.is_empty()
    });
    state.armed_at = next;
    if let Some(at) = next {
      let at = tokio::time::Instant::from_std(at);
      let timer = me
        .timer
        .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
      if timer.deadline() != at {
        timer.as_mut().reset(at);
      }
      if timer.as_mut().poll(cx).is_ready() {
        cx.waker().wake_by_ref();
      }
    }
    Poll::Pending
  }
}
