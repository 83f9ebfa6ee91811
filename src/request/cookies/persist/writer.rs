//! The background writer: operations queue per cookie and are committed in one transaction
//! every 30 s, after 512 operations, on `flush()` and at close, as Chromium's
//! `SQLitePersistentCookieStore::Backend` does (net/extras/sqlite/sqlite_persistent_cookie_store.cc,
//! `BatchOperation` and `Commit`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::error::write_error;
use super::schema::{priority_code, same_site_code, source_scheme_code, COLUMNS};
use crate::request::cookies::canonical::CanonicalCookie;

/// When a batch is committed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timing {
  /// Chromium's `kCommitInterval`: 30 s after the first operation of a batch.
  pub interval: Duration,
  /// Chromium's `kCommitAfterBatchSize`: at once after this many operations.
  pub after_ops: usize,
}

/// A row's identity: the table's UNIQUE (host_key, name, path).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
  domain: String,
  name: String,
  path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OpKind {
  Add,
  UpdateAccess,
  Delete,
}

struct Op {
  kind: OpKind,
  cookie: CanonicalCookie,
}

type Batch = HashMap<Key, Vec<Op>>;

/// What the callers and the writer thread share.
pub(super) struct Shared {
  state: Mutex<State>,
  /// The writer waits here for work.
  wake: Condvar,
  /// `flush()` and `close()` wait here for a commit or the writer's end.
  done: Condvar,
}

struct State {
  pending: Batch,
  /// Calls since the last commit (not the queue's length, which coalescing shrinks: as
  /// Chromium's `num_pending_`, this guarantees progress).
  num_pending: usize,
  first_pending_at: Option<Instant>,
  /// `flush()` tickets: the last one asked for and the last one a finished commit covered.
  flush_asked: u64,
  flush_done: u64,
  /// The latest commit's outcome.
  last_result: Result<(), String>,
  /// The error of the latest failed commit, until a commit succeeds.
  last_error: Option<String>,
  closing: bool,
  /// Operations came after `close()` and were not written.
  refused_after_close: bool,
  exited: bool,
}

impl Shared {
  pub(super) fn new() -> Arc<Shared> {
    Arc::new(Shared {
      state: Mutex::new(State {
        pending: HashMap::new(),
        num_pending: 0,
        first_pending_at: None,
        flush_asked: 0,
        flush_done: 0,
        last_result: Ok(()),
        last_error: None,
        closing: false,
        refused_after_close: false,
        exited: false,
      }),
      wake: Condvar::new(),
      done: Condvar::new(),
    })
  }

  fn lock(&self) -> MutexGuard<'_, State> {
    // A panic elsewhere must not turn every later cookie operation into one.
    self.state.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Queues one operation; never touches the disk.
  pub(super) fn queue(&self, kind: OpKind, cookie: &CanonicalCookie, timing: Timing) {
    let mut st = self.lock();
    if st.closing {
      st.refused_after_close = true;
      return;
    }
    let key = Key {
      domain: cookie.domain.clone(),
      name: cookie.name.clone(),
      path: cookie.path.clone(),
    };
    coalesce(
      st.pending.entry(key).or_default(),
      Op {
        kind,
        cookie: cookie.clone(),
      },
    );
    st.num_pending += 1;
    if st.num_pending == 1 {
      st.first_pending_at = Some(Instant::now());
      self.wake.notify_one();
    } else if st.num_pending >= timing.after_ops {
      self.wake.notify_one();
    }
  }

  /// Blocks until a commit that started after this call has finished; its outcome.
  pub(super) fn flush(&self) -> Result<(), String> {
    let mut st = self.lock();
    if st.closing {
      // close() writes what is pending: its outcome is this flush's.
      while !st.exited {
        st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
      }
      return after_close(&st);
    }
    st.flush_asked += 1;
    let ticket = st.flush_asked;
    self.wake.notify_one();
    while st.flush_done < ticket && !st.exited {
      st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
    }
    if st.flush_done >= ticket {
      // A later commit may have finished meanwhile: it covered everything this one did.
      st.last_result.clone()
    } else {
      after_close(&st)
    }
  }

  /// Asks the writer to commit what is pending and stop; waits up to `wait` for it.
  /// `None`: it had not finished by then.
  pub(super) fn close(&self, wait: Duration) -> Option<Result<(), String>> {
    let deadline = Instant::now() + wait;
    let mut st = self.lock();
    st.closing = true;
    self.wake.notify_one();
    while !st.exited {
      let now = Instant::now();
      if now >= deadline {
        return None;
      }
      st = self
        .done
        .wait_timeout(st, deadline - now)
        .unwrap_or_else(|e| e.into_inner())
        .0;
    }
    Some(after_close(&st))
  }

  /// Operations queued and not yet committed, after coalescing.
  #[cfg(test)]
  pub(super) fn pending_ops(&self) -> usize {
    self.lock().pending.values().map(Vec::len).sum()
  }

  pub(super) fn last_error(&self) -> Option<String> {
    self.lock().last_error.clone()
  }

  /// The writer thread's body: owns the connection until close.
  pub(super) fn run(self: Arc<Shared>, mut conn: Connection, path: PathBuf, timing: Timing) {
    // Marks the end even if a commit panics, so that flush() and close() never wait forever.
    struct Exit<'a>(&'a Shared);
    impl Drop for Exit<'_> {
      fn drop(&mut self) {
        self.0.lock().exited = true;
        self.0.done.notify_all();
      }
    }
    let _exit = Exit(&self);
    loop {
      let (batch, covers, closing) = {
        let mut st = self.lock();
        loop {
          if st.closing || st.flush_asked > st.flush_done || st.num_pending >= timing.after_ops {
            break;
          }
          match st.first_pending_at {
            None => st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(first) => {
              let now = Instant::now();
              let due = first + timing.interval;
              if now >= due {
                break;
              }
              st = self
                .wake
                .wait_timeout(st, due - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            }
          }
        }
        st.num_pending = 0;
        st.first_pending_at = None;
        (std::mem::take(&mut st.pending), st.flush_asked, st.closing)
      };
      let result = if batch.is_empty() {
        Ok(())
      } else {
        commit(&mut conn, &batch).map_err(|e| write_error(&path, &e))
      };
      let mut st = self.lock();
      st.flush_done = st.flush_done.max(covers);
      match &result {
        Ok(()) => st.last_error = None,
        Err(text) => {
          st.last_error = Some(text.clone());
          // Not lost: retried with the next commit, before what came after it.
          let newer = std::mem::replace(&mut st.pending, batch);
          for (key, ops) in newer {
            let slot = st.pending.entry(key).or_default();
            for op in ops {
              coalesce(slot, op);
            }
          }
          if st.first_pending_at.is_none() {
            st.first_pending_at = Some(Instant::now());
          }
        }
      }
      st.last_result = result;
      self.done.notify_all();
      if closing {
        return;
      }
    }
  }
}

/// Chromium's rules for a new operation on a row that already has pending ones: a delete makes
/// the earlier ones irrelevant; of two access-time updates in a row only the later counts; adds
/// are kept (an overwrite comes after a delete anyway).
fn coalesce(ops: &mut Vec<Op>, op: Op) {
  match op.kind {
    OpKind::Delete => ops.clear(),
    OpKind::UpdateAccess => {
      if ops.last().is_some_and(|o| o.kind == OpKind::UpdateAccess) {
        ops.pop();
      }
    }
    OpKind::Add => {}
  }
  ops.push(op);
}

fn after_close(st: &State) -> Result<(), String> {
  if !st.pending.is_empty() {
    return Err(
      st.last_error
        .clone()
        .unwrap_or_else(|| "the cookie database was closed before its last write".into()),
    );
  }
  if st.refused_after_close {
    return Err("the cookie database was closed; later changes were not written".into());
  }
  st.last_result.clone()
}

/// One transaction per batch. IMMEDIATE takes the write lock first (waiting up to the busy
/// timeout), so two processes never deadlock upgrading a read lock.
fn commit(conn: &mut Connection, batch: &Batch) -> rusqlite::Result<()> {
  let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
  {
    // INSERT OR REPLACE rather than Chromium's INSERT: another process may have stored the same
    // row since we loaded; the latest write wins.
    let mut add = tx.prepare_cached(&format!(
      "INSERT OR REPLACE INTO cookies ({}) VALUES ({})",
      COLUMNS.join(", "),
      ["?"; COLUMNS.len()].join(", ")
    ))?;
    let mut touch = tx.prepare_cached(
      "UPDATE cookies SET last_access_utc = ? WHERE host_key = ? AND name = ? AND path = ?",
    )?;
    let mut delete =
      tx.prepare_cached("DELETE FROM cookies WHERE host_key = ? AND name = ? AND path = ?")?;
    for op in batch.values().flatten() {
      let c = &op.cookie;
      match op.kind {
        OpKind::Add => {
          // Session cookies never reach the disk (queue() refuses them too).
          let Some(expiry) = c.expiry else { continue };
          add.execute(rusqlite::params![
            c.domain,
            c.name,
            c.value,
            c.path,
            c.creation.0,
            expiry.0,
            c.last_access.0,
            c.last_update.0,
            c.secure,
            c.http_only,
            same_site_code(c.same_site),
            priority_code(c.priority),
            source_scheme_code(c.source_scheme),
            c.source_port,
          ])?;
        }
        OpKind::UpdateAccess => {
          touch.execute(rusqlite::params![c.last_access.0, c.domain, c.name, c.path])?;
        }
        OpKind::Delete => {
          delete.execute(rusqlite::params![c.domain, c.name, c.path])?;
        }
      }
    }
  }
  tx.commit()
}
