//! Why the cookie database could not be opened or written, in words a user can act on.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// What kind of trouble [`OpenError`] reports; the session keeps its cookies in memory in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenErrorKind {
  /// Not an SQLite file, a damaged one, or an SQLite file that is not a cookie database of ours.
  /// The file is left as it is.
  Corrupt,
  /// Another process (or connection) held the database locked longer than the busy timeout.
  Locked,
  /// The file or its directory cannot be written (permissions, read-only file system).
  ReadOnly,
  /// Written by a newer version of this store: not read, so it is never downgraded.
  TooNew,
  /// Anything else (an I/O error, no thread for the writer, ...).
  Other,
}

/// Why `persist::open` failed. `Display` is one sentence naming the file and the reason.
#[derive(Debug, Clone)]
pub struct OpenError {
  kind: OpenErrorKind,
  path: PathBuf,
  reason: String,
}

impl OpenError {
  pub(super) fn new(kind: OpenErrorKind, path: &Path, reason: impl Into<String>) -> OpenError {
    OpenError {
      kind,
      path: path.to_path_buf(),
      reason: reason.into(),
    }
  }

  /// From an SQLite error, classified by its result code.
  pub(super) fn sqlite(path: &Path, err: &rusqlite::Error) -> OpenError {
    OpenError::new(classify(err), path, err.to_string())
  }

  /// From a file-system error on the storage directory.
  pub(super) fn io(path: &Path, err: &std::io::Error) -> OpenError {
    let kind = match err.kind() {
      std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
        OpenErrorKind::ReadOnly
      }
      _ => OpenErrorKind::Other,
    };
    OpenError::new(kind, path, err.to_string())
  }

  pub fn kind(&self) -> OpenErrorKind {
    self.kind
  }

  /// The database file (`<dir>/Cookies`).
  pub fn path(&self) -> &Path {
    &self.path
  }

  /// The reason alone, as SQLite or the file system gave it.
  pub fn reason(&self) -> &str {
    &self.reason
  }
}

impl fmt::Display for OpenError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let path = self.path.display();
    let reason = &self.reason;
    match self.kind {
      OpenErrorKind::Corrupt => write!(f, "cookie database {path} is corrupt ({reason})"),
      OpenErrorKind::Locked => {
        write!(
          f,
          "cookie database {path} is locked by another process ({reason})"
        )
      }
      OpenErrorKind::ReadOnly => write!(f, "cookie database {path} is not writable ({reason})"),
      OpenErrorKind::TooNew => write!(
        f,
        "cookie database {path} was written by a newer version ({reason}) and is left as it is"
      ),
      OpenErrorKind::Other => write!(f, "cookie database {path} could not be opened ({reason})"),
    }?;
    f.write_str("; cookies are kept in memory only")
  }
}

impl std::error::Error for OpenError {}

/// The kind of an SQLite error, by its primary result code (https://www.sqlite.org/rescode.html).
pub(super) fn classify(err: &rusqlite::Error) -> OpenErrorKind {
  match err.sqlite_error_code() {
    Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => OpenErrorKind::Corrupt,
    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => OpenErrorKind::Locked,
    Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => OpenErrorKind::ReadOnly,
    _ => OpenErrorKind::Other,
  }
}

/// The text `flush()` and `last_error()` give when a batch could not be committed.
pub(super) fn write_error(path: &Path, err: &rusqlite::Error) -> String {
  let what = match classify(err) {
    OpenErrorKind::Corrupt => "it is corrupt: ",
    OpenErrorKind::Locked => "it is locked by another process: ",
    OpenErrorKind::ReadOnly => "it is not writable: ",
    OpenErrorKind::TooNew | OpenErrorKind::Other => "",
  };
  format!(
    "cookie database {} could not be written ({what}{err}); the cookies are kept in memory",
    path.display()
  )
}
