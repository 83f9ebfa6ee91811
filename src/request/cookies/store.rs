//! A session's cookie store as requests and `ses.cookies` use it: the [`CookieJar`] behind a
//! lock, opened from disk on first use for a persistent session, and the queue of changes that
//! `ses.cookies` reports as `'changed'`.
//!
//! Opening is lazy: most requests never touch cookies (Electron's default sends and stores
//! none), so a process that never uses them never opens, locks or creates a database.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::request::cookies::persist::{self, SqliteBacking};
use crate::request::cookies::{Change, CookieJar};

/// Changes waiting for JS; bounded so that a session nobody drains cannot grow without limit.
const MAX_QUEUED_CHANGES: usize = 10_000;

pub struct CookieStore {
  /// Where a persistent session keeps its `Cookies` file; `None`: in memory only.
  dir: Option<PathBuf>,
  opened: OnceLock<Opened>,
  changes: Mutex<Vec<Change>>,
  /// Someone listens to `'changed'`: only then are changes queued.
  listening: AtomicBool,
  /// A poke is on its way to JS and has not been answered by [`CookieStore::take_changes`].
  poked: AtomicBool,
  notify: OnceLock<Box<dyn Fn() + Send + Sync>>,
}

struct Opened {
  jar: Mutex<CookieJar>,
  backing: Option<Arc<SqliteBacking>>,
  /// Why the file could not be opened: the store works in memory, and `flushStore` says so.
  open_error: Option<String>,
}

impl CookieStore {
  pub fn new(dir: Option<PathBuf>) -> CookieStore {
    CookieStore {
      dir,
      opened: OnceLock::new(),
      changes: Mutex::new(Vec::new()),
      listening: AtomicBool::new(false),
      poked: AtomicBool::new(false),
      notify: OnceLock::new(),
    }
  }

  /// How JS learns that changes are waiting (the binding's poke through the session's load);
  /// set once.
  pub fn set_notifier(&self, notify: Box<dyn Fn() + Send + Sync>) {
    let _ = self.notify.set(notify);
  }

  /// Whether changes are queued for `'changed'` listeners.
  pub fn set_listening(&self, listening: bool) {
    self.listening.store(listening, Ordering::SeqCst);
    if !listening {
      lock(&self.changes).clear();
    }
  }

  fn opened(&self) -> &Opened {
    self.opened.get_or_init(|| {
      let mut jar = CookieJar::new();
      let Some(dir) = &self.dir else {
        return Opened {
          jar: Mutex::new(jar),
          backing: None,
          open_error: None,
        };
      };
      match persist::open(dir) {
        Ok((backing, cookies)) => {
          jar.load(cookies);
          jar.set_backing(backing.clone());
          Opened {
            jar: Mutex::new(jar),
            backing: Some(backing),
            open_error: None,
          }
        }
        Err(e) => Opened {
          jar: Mutex::new(jar),
          backing: None,
          open_error: Some(e.to_string()),
        },
      }
    })
  }

  /// Runs `f` on the jar (opening it first if needed); what it changed goes to `'changed'`.
  pub fn with_jar<R>(&self, f: impl FnOnce(&mut CookieJar, &mut Vec<Change>) -> R) -> R {
    let mut changes = Vec::new();
    let result = f(&mut lock(&self.opened().jar), &mut changes);
    if !changes.is_empty() && self.listening.load(Ordering::SeqCst) {
      {
        let mut queued = lock(&self.changes);
        let room = MAX_QUEUED_CHANGES.saturating_sub(queued.len());
        queued.extend(changes.into_iter().take(room));
      }
      if !self.poked.swap(true, Ordering::SeqCst) {
        if let Some(notify) = self.notify.get() {
          notify();
        }
      }
    }
    result
  }

  /// The changes queued since the last call (JS thread, on a poke).
  pub fn take_changes(&self) -> Vec<Change> {
    self.poked.store(false, Ordering::SeqCst);
    std::mem::take(&mut *lock(&self.changes))
  }

  /// Writes what is pending to disk (blocking: call it off the JS thread, or at exit).
  /// `Err`: why the cookies are only in memory.
  pub fn flush(&self) -> Result<(), String> {
    Self::flush_opened(self.opened())
  }

  /// [`CookieStore::flush`] if the store was ever used (at exit: nothing is opened just to be
  /// closed).
  pub fn flush_if_open(&self) -> Result<(), String> {
    self.opened.get().map_or(Ok(()), Self::flush_opened)
  }

  fn flush_opened(opened: &Opened) -> Result<(), String> {
    if let Some(e) = &opened.open_error {
      return Err(e.clone());
    }
    match &opened.backing {
      Some(backing) => crate::request::cookies::CookieBacking::flush(&**backing),
      None => Ok(()),
    }
  }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
}
