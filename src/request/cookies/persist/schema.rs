//! Opening `<dir>/Cookies`: the connection's settings, the schema (created, or checked before
//! anything is written), a write probe, and the stored cookies.
//!
//! The file is only written after it has been recognised as ours (or is empty): a foreign,
//! damaged or newer file is reported and left byte for byte as it was.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row};

use super::error::{OpenError, OpenErrorKind};
use crate::request::cookies::canonical::{CanonicalCookie, Priority, SameSite, SourceScheme, Time};
use crate::request::cookies::create::is_canonical;
use crate::request::cookies::parse::MAX_NAME_PLUS_VALUE;

/// The `meta` version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Chromium's `cookies` table (net/extras/sqlite/sqlite_persistent_cookie_store.cc), without
/// the columns Electron's `net` has no use for (encrypted_value, partition key, ...). Times are
/// our microseconds since the Unix epoch, not Chromium's since 1601.
const CREATE_COOKIES: &str = "CREATE TABLE IF NOT EXISTS cookies (
  host_key TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  path TEXT NOT NULL,
  creation_utc INTEGER NOT NULL,
  expires_utc INTEGER NOT NULL,
  last_access_utc INTEGER NOT NULL,
  last_update_utc INTEGER NOT NULL,
  is_secure INTEGER NOT NULL,
  is_httponly INTEGER NOT NULL,
  samesite INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  source_scheme INTEGER NOT NULL,
  source_port INTEGER NOT NULL,
  UNIQUE (host_key, name, path))";

/// Chromium's `sql::MetaTable`.
const CREATE_META: &str =
  "CREATE TABLE IF NOT EXISTS meta (key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR)";

pub(super) const COLUMNS: [&str; 14] = [
  "host_key",
  "name",
  "value",
  "path",
  "creation_utc",
  "expires_utc",
  "last_access_utc",
  "last_update_utc",
  "is_secure",
  "is_httponly",
  "samesite",
  "priority",
  "source_scheme",
  "source_port",
];

/// Opens the file, checks or creates the schema, proves it can be written and reads every row.
pub(super) fn open(
  path: &Path,
  busy_timeout: Duration,
) -> Result<(Connection, Vec<CanonicalCookie>), OpenError> {
  // No SQLITE_OPEN_URI: the path is a path. sqlite3_open_v2 does no I/O on an existing file.
  let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
    | OpenFlags::SQLITE_OPEN_CREATE
    | OpenFlags::SQLITE_OPEN_NO_MUTEX
    | OpenFlags::SQLITE_OPEN_EXRESCODE;
  let conn = Connection::open_with_flags(path, flags).map_err(|e| cannot_open(path, &e))?;
  let sqlite = |e: rusqlite::Error| OpenError::sqlite(path, &e);
  conn.busy_timeout(busy_timeout).map_err(sqlite)?;
  // SQLite falls back to read-only when the file is not writable (permissions).
  if conn.is_readonly(rusqlite::MAIN_DB).map_err(sqlite)? {
    return Err(OpenError::new(
      OpenErrorKind::ReadOnly,
      path,
      "the file is read-only",
    ));
  }
  // Several processes (jest workers) and worker threads open the same file: never take the lock
  // for the connection's lifetime. Chromium's cookie store opens with `exclusive_locking = false`
  // too (net/extras/sqlite/sqlite_persistent_store_backend_base.cc).
  let _: String = conn
    .query_row("PRAGMA locking_mode=NORMAL", [], |r| r.get(0))
    .map_err(sqlite)?;
  // FULL: the journal reaches the disk before the database is changed, so a crash or power loss
  // mid-commit rolls back instead of corrupting (SQLite's default for a rollback journal).
  conn
    .pragma_update(None, "synchronous", "FULL")
    .map_err(sqlite)?;

  // One IMMEDIATE transaction for everything that follows: it waits (busy timeout) for a writer
  // in another process to finish, and nobody can change the schema between our check and our
  // CREATE (two processes opening a fresh file at once).
  conn
    .execute_batch("BEGIN IMMEDIATE")
    .map_err(|e| in_transaction(path, &e))?;
  let inside = check_and_load(&conn, path);
  let end = match &inside {
    Ok((true, _)) => conn.execute_batch("COMMIT"),
    // Nothing to keep: the write probe is undone and the file is as it was.
    _ => conn.execute_batch("ROLLBACK"),
  };
  let (_, cookies) = inside?;
  end.map_err(|e| in_transaction(path, &e))?;

  // Chromium's choice for a database without WAL (sql/database.cc): TRUNCATE empties the
  // journal instead of deleting it, which spares a directory update per commit. Set only now:
  // on a file in WAL mode this rewrites the header, which must not happen to a foreign file.
  let _: String = conn
    .query_row("PRAGMA journal_mode=TRUNCATE", [], |r| r.get(0))
    .map_err(sqlite)?;
  Ok((conn, cookies))
}

/// Inside the transaction: `(created, cookies)`.
fn check_and_load(
  conn: &Connection,
  path: &Path,
) -> Result<(bool, Vec<CanonicalCookie>), OpenError> {
  let err = |e: rusqlite::Error| in_transaction(path, &e);
  let corrupt = |reason: String| OpenError::new(OpenErrorKind::Corrupt, path, reason);
  let mut stmt = conn
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .map_err(err)?;
  let tables = stmt
    .query_map([], |r| r.get::<_, String>(0))
    .map_err(err)?
    .collect::<Result<Vec<_>, _>>()
    .map_err(err)?;
  drop(stmt);
  // Catches a truncated or damaged file whose first page still parses.
  let check: String = conn
    .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
    .map_err(err)?;
  if check != "ok" {
    return Err(corrupt(check));
  }

  let created = tables.is_empty();
  if created {
    conn
      .execute_batch(&format!(
        "{CREATE_META}; {CREATE_COOKIES};
         INSERT INTO meta (key, value) VALUES ('version', '{SCHEMA_VERSION}');"
      ))
      .map_err(err)?;
  } else {
    check_schema(conn, path, &tables)?;
    // Proves the journal can be created next to the file (a read-only directory is only found
    // out on the first write otherwise); rolled back with the transaction.
    conn
      .execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('write_probe', '')",
        [],
      )
      .map_err(err)?;
  }
  Ok((created, load(conn).map_err(err)?))
}

/// A file with tables must be ours: a `meta` version we know and a `cookies` table with every
/// column we read.
fn check_schema(conn: &Connection, path: &Path, tables: &[String]) -> Result<(), OpenError> {
  let err = |e: rusqlite::Error| in_transaction(path, &e);
  let corrupt = |reason: &str| OpenError::new(OpenErrorKind::Corrupt, path, reason);
  let has = |name: &str| tables.iter().any(|t| t == name);
  if !has("meta") || !has("cookies") {
    return Err(corrupt(
      "an SQLite database without the cookie store's tables",
    ));
  }
  let version: Option<rusqlite::types::Value> = conn
    .query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
      r.get(0)
    })
    .map(Some)
    .or_else(|e| match e {
      rusqlite::Error::QueryReturnedNoRows => Ok(None),
      e => Err(e),
    })
    .map_err(err)?;
  let version = match version {
    Some(rusqlite::types::Value::Integer(v)) => Some(v),
    Some(rusqlite::types::Value::Text(t)) => t.trim().parse::<i64>().ok(),
    _ => None,
  };
  let Some(version) = version.filter(|v| *v >= 1) else {
    return Err(corrupt("its schema version is missing or not a number"));
  };
  if version > SCHEMA_VERSION {
    return Err(OpenError::new(
      OpenErrorKind::TooNew,
      path,
      format!("schema version {version}; this build reads up to {SCHEMA_VERSION}"),
    ));
  }
  let mut stmt = conn
    .prepare("SELECT name FROM pragma_table_info('cookies')")
    .map_err(err)?;
  let columns = stmt
    .query_map([], |r| r.get::<_, String>(0))
    .map_err(err)?
    .collect::<Result<Vec<_>, _>>()
    .map_err(err)?;
  if let Some(missing) = COLUMNS
    .iter()
    .find(|c| !columns.iter().any(|have| have == *c))
  {
    return Err(OpenError::new(
      OpenErrorKind::Corrupt,
      path,
      format!("its cookies table has no {missing} column"),
    ));
  }
  Ok(())
}

/// Every stored cookie that decodes and could have been stored; a row that does not (wrong
/// type, unknown enum value, or a cookie that is not canonical: a `;` or control character in
/// its value, a bad name, domain or path) is skipped rather than delivered, as Chromium's
/// `CanonicalCookie::FromStorage` drops what is not canonical. Stricter than Chromium, which
/// leaves sizes and empty domains alone for what it reads back: more than 4096 bytes of name and
/// value (this store never wrote such a row; a hand-edited one went out as a 10 MB request
/// head) and an empty domain (it matches no host) are skipped too. Skipped rows stay in the
/// file. Times after now (a clock set back, or a damaged row) are brought back to now: a
/// creation time in the future would otherwise order every later cookie behind it.
fn load(conn: &Connection) -> rusqlite::Result<Vec<CanonicalCookie>> {
  let mut stmt = conn.prepare(&format!("SELECT {} FROM cookies", COLUMNS.join(", ")))?;
  let mut rows = stmt.query([])?;
  let mut cookies = Vec::new();
  let now = Time::now();
  while let Some(row) = rows.next()? {
    let Ok(Some(mut cookie)) = decode(row) else {
      continue;
    };
    // A domain of nothing (or only a dot) matches no host; `is_canonical` lets it through.
    if cookie.domain.trim_start_matches('.').is_empty()
      || cookie.name.len() + cookie.value.len() > MAX_NAME_PLUS_VALUE
      || !is_canonical(&cookie)
    {
      continue;
    }
    cookie.creation = cookie.creation.min(now);
    cookie.last_access = cookie.last_access.min(now);
    cookie.last_update = cookie.last_update.min(now);
    cookies.push(cookie);
  }
  Ok(cookies)
}

fn decode(row: &Row<'_>) -> rusqlite::Result<Option<CanonicalCookie>> {
  let same_site = match row.get::<_, i64>(10)? {
    -1 => SameSite::Unspecified,
    0 => SameSite::NoRestriction,
    1 => SameSite::Lax,
    2 => SameSite::Strict,
    _ => return Ok(None),
  };
  let priority = match row.get::<_, i64>(11)? {
    0 => Priority::Low,
    1 => Priority::Medium,
    2 => Priority::High,
    _ => return Ok(None),
  };
  let source_scheme = match row.get::<_, i64>(12)? {
    0 => SourceScheme::Unset,
    1 => SourceScheme::NonSecure,
    2 => SourceScheme::Secure,
    _ => return Ok(None),
  };
  Ok(Some(CanonicalCookie {
    domain: row.get(0)?,
    name: row.get(1)?,
    value: row.get(2)?,
    path: row.get(3)?,
    creation: Time(row.get(4)?),
    expiry: Some(Time(row.get(5)?)),
    last_access: Time(row.get(6)?),
    last_update: Time(row.get(7)?),
    secure: row.get::<_, i64>(8)? != 0,
    http_only: row.get::<_, i64>(9)? != 0,
    same_site,
    priority,
    source_scheme,
    source_port: row.get(13)?,
  }))
}

/// Chromium's `DBCookieSameSite` values.
pub(super) fn same_site_code(s: SameSite) -> i64 {
  match s {
    SameSite::Unspecified => -1,
    SameSite::NoRestriction => 0,
    SameSite::Lax => 1,
    SameSite::Strict => 2,
  }
}

/// Chromium's `DBCookiePriority` values.
pub(super) fn priority_code(p: Priority) -> i64 {
  match p {
    Priority::Low => 0,
    Priority::Medium => 1,
    Priority::High => 2,
  }
}

/// Chromium's `CookieSourceScheme` values.
pub(super) fn source_scheme_code(s: SourceScheme) -> i64 {
  match s {
    SourceScheme::Unset => 0,
    SourceScheme::NonSecure => 1,
    SourceScheme::Secure => 2,
  }
}

/// `sqlite3_open_v2` failed: it only does I/O to create a missing file, so CANTOPEN there is
/// most often a directory that cannot be written; say so when a probe file cannot be created.
fn cannot_open(path: &Path, err: &rusqlite::Error) -> OpenError {
  if err.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) {
    if let Some(dir) = path.parent() {
      if let Err(io) = probe_directory(dir) {
        return OpenError::io(path, &io);
      }
    }
  }
  OpenError::sqlite(path, err)
}

/// Inside the transaction, the only file SQLite may fail to open is the journal beside the
/// database: a directory it cannot write (SQLITE_READONLY_DIRECTORY or SQLITE_CANTOPEN).
fn in_transaction(path: &Path, err: &rusqlite::Error) -> OpenError {
  if err.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) {
    return OpenError::new(
      OpenErrorKind::ReadOnly,
      path,
      format!("cannot create its journal in the directory: {err}"),
    );
  }
  OpenError::sqlite(path, err)
}

/// Creates and removes a file of our own in `dir` (never touches the database file: closing a
/// descriptor of it would drop the POSIX locks SQLite holds on it in this process).
fn probe_directory(dir: &Path) -> std::io::Result<()> {
  let probe = dir.join(format!(".Cookies-probe-{}", std::process::id()));
  std::fs::OpenOptions::new()
    .write(true)
    .create(true)
    .truncate(true)
    .open(&probe)?;
  std::fs::remove_file(&probe)
}
