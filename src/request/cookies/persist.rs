//! The on-disk half of a `persist:` session's cookie store: `<storage path>/Cookies`, an SQLite
//! database shaped like Chromium's (net/extras/sqlite/sqlite_persistent_cookie_store.cc).
//!
//! - [`open`] reads every stored cookie once; the in-memory store owns them from then on.
//! - [`SqliteBacking`] takes the store's changes without blocking and writes them in batches on
//!   a thread of its own; `flush()`, `close()` and dropping it write what is pending.
//!
//! Settings, and why:
//! - a rollback journal in TRUNCATE mode with `synchronous=FULL`, as Chromium's `sql::Database`
//!   without WAL: a crash mid-commit rolls back, and, unlike WAL, it needs no shared-memory file,
//!   so it works on network file systems and leaves no `-wal`/`-shm` files beside `Cookies`;
//! - `locking_mode=NORMAL` (no exclusive lock held between transactions) and a busy timeout, so
//!   several processes (jest workers) and worker threads can share one file: a writer waits for
//!   another's commit instead of failing, for at most [`BUSY_TIMEOUT`] per step;
//! - every write transaction is `BEGIN IMMEDIATE`, so two writers never deadlock.

// The binding opens `persist:` sessions through this in a later change; until then only the
// tests call it.
#![allow(dead_code)]

mod error;
mod schema;
#[cfg(test)]
mod tests;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use error::{OpenError, OpenErrorKind};

use super::canonical::CanonicalCookie;
use super::CookieBacking;
use writer::{OpKind, Shared, Timing};

/// Chromium's file name under a partition's storage path.
pub const FILE_NAME: &str = "Cookies";

/// How long one step waits for another connection's lock before giving up with "locked"
/// (Chromium waits 1 s while setting a database up; a little more here for loaded CI machines
/// with many processes sharing one file).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(3);

/// The on-disk store of one `persist:` session. Cheap to call from any thread.
pub struct SqliteBacking {
  path: PathBuf,
  shared: Arc<Shared>,
  timing: Timing,
  busy_timeout: Duration,
  thread: Mutex<Option<JoinHandle<()>>>,
}

/// Opens (creating the directories and the database if missing) `<dir>/Cookies` and returns the
/// backing with every stored cookie. Expired cookies may be among them: the in-memory store drops
/// them. A file that is not ours, damaged, newer, locked or not writable gives an [`OpenError`]
/// and is left untouched.
pub fn open(dir: &Path) -> Result<(Arc<SqliteBacking>, Vec<CanonicalCookie>), OpenError> {
  open_with(
    dir,
    BUSY_TIMEOUT,
    Timing {
      interval: Duration::from_secs(30),
      after_ops: 512,
    },
  )
}

fn open_with(
  dir: &Path,
  busy_timeout: Duration,
  timing: Timing,
) -> Result<(Arc<SqliteBacking>, Vec<CanonicalCookie>), OpenError> {
  let path = dir.join(FILE_NAME);
  std::fs::create_dir_all(dir).map_err(|e| OpenError::io(&path, &e))?;
  let (conn, cookies) = schema::open(&path, busy_timeout)?;
  let shared = Shared::new();
  let thread = std::thread::Builder::new()
    .name("cookie-db".into())
    .spawn({
      let shared = shared.clone();
      let path = path.clone();
      move || shared.run(conn, path, timing)
    })
    .map_err(|e| {
      OpenError::new(
        OpenErrorKind::Other,
        &path,
        format!("no writer thread: {e}"),
      )
    })?;
  let backing = SqliteBacking {
    path,
    shared,
    timing,
    busy_timeout,
    thread: Mutex::new(Some(thread)),
  };
  Ok((Arc::new(backing), cookies))
}

impl SqliteBacking {
  /// The database file.
  pub fn path(&self) -> &Path {
    &self.path
  }

  /// The error of the latest commit that failed, until a later commit succeeds (the failed
  /// operations are kept and retried with it).
  pub fn last_error(&self) -> Option<String> {
    self.shared.last_error()
  }

  /// Writes what is pending and stops the writer thread; later operations are not written
  /// (and make `flush()` fail). Waits for the writer at most long enough for one commit to
  /// get through a busy database, then leaves it to finish alone rather than hang the caller.
  pub fn close(&self) -> Result<(), String> {
    // One commit in progress and the final one, each may wait for BEGIN and COMMIT.
    let wait = self.busy_timeout * 4 + Duration::from_secs(1);
    let result = self.shared.close(wait);
    let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
    match result {
      Some(result) => {
        if let Some(handle) = handle {
          // It has marked its end: returns at once.
          let _ = handle.join();
        }
        result
      }
      // Dropping the handle detaches the thread; it ends by itself after its commit.
      None => Err(format!(
        "cookie database {} is still busy after {} s; its last changes may not be written",
        self.path.display(),
        wait.as_secs()
      )),
    }
  }

  fn queue(&self, kind: OpKind, cookie: &CanonicalCookie) {
    self.shared.queue(kind, cookie, self.timing);
  }
}

impl CookieBacking for SqliteBacking {
  fn add(&self, cookie: &CanonicalCookie) {
    // Session cookies are never written.
    if cookie.is_persistent() {
      self.queue(OpKind::Add, cookie);
    }
  }

  fn update_access_time(&self, cookie: &CanonicalCookie) {
    if cookie.is_persistent() {
      self.queue(OpKind::UpdateAccess, cookie);
    }
  }

  fn delete(&self, cookie: &CanonicalCookie) {
    // Whatever its expiry: removing a row that is not there is harmless.
    self.queue(OpKind::Delete, cookie);
  }

  fn flush(&self) -> Result<(), String> {
    self.shared.flush()
  }
}

impl Drop for SqliteBacking {
  fn drop(&mut self) {
    let _ = self.close();
  }
}
