//! The cookie database against real files in temporary directories.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::{open, open_with, OpenErrorKind, Timing, FILE_NAME};
use crate::request::cookies::canonical::{CanonicalCookie, Priority, SameSite, SourceScheme, Time};
use crate::request::cookies::CookieBacking;

/// A fresh directory under the system's temporary one, removed (permissions restored) at drop.
struct TempDir(PathBuf);

impl TempDir {
  fn new(tag: &str) -> TempDir {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
      .duration_since(std::time::UNIX_EPOCH)
      .unwrap_or_default()
      .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
      "electron-net-rs-cookies-{tag}-{}-{}-{nanos}",
      std::process::id(),
      N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
  }

  fn path(&self) -> &Path {
    &self.0
  }

  fn db(&self) -> PathBuf {
    self.0.join(FILE_NAME)
  }
}

impl Drop for TempDir {
  fn drop(&mut self) {
    set_mode(&self.0, 0o755);
    set_mode(&self.0.join(FILE_NAME), 0o644);
    let _ = std::fs::remove_dir_all(&self.0);
  }
}

fn set_mode(path: &Path, mode: u32) {
  use std::os::unix::fs::PermissionsExt;
  let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Whether this process can create a file in `dir` (root can, whatever its mode says).
fn can_write_in(dir: &Path) -> bool {
  let probe = dir.join("probe");
  let ok = std::fs::write(&probe, b"x").is_ok();
  let _ = std::fs::remove_file(&probe);
  ok
}

fn cookie(name: &str, domain: &str) -> CanonicalCookie {
  CanonicalCookie {
    name: name.into(),
    value: format!("v-{name}"),
    domain: domain.into(),
    path: "/".into(),
    creation: Time(1_700_000_000_000_001),
    expiry: Some(Time(1_900_000_000_000_002)),
    last_access: Time(1_700_000_000_000_003),
    last_update: Time(1_700_000_000_000_004),
    secure: false,
    http_only: false,
    same_site: SameSite::Lax,
    priority: Priority::Medium,
    source_scheme: SourceScheme::Secure,
    source_port: 443,
  }
}

fn sorted(mut cookies: Vec<CanonicalCookie>) -> Vec<CanonicalCookie> {
  cookies.sort_by(|a, b| (&a.domain, &a.name, &a.path).cmp(&(&b.domain, &b.name, &b.path)));
  cookies
}

fn reopen(dir: &TempDir) -> Vec<CanonicalCookie> {
  let (_backing, cookies) = open(dir.path()).expect("reopens");
  sorted(cookies)
}

fn rows(dir: &TempDir) -> i64 {
  let conn = Connection::open(dir.db()).expect("plain connection");
  conn.busy_timeout(Duration::from_secs(5)).unwrap();
  conn
    .query_row("SELECT COUNT(*) FROM cookies", [], |r| r.get(0))
    .expect("counts")
}

fn timing() -> Timing {
  Timing {
    interval: Duration::from_secs(30),
    after_ops: 512,
  }
}

#[test]
fn every_field_survives_a_round_trip() {
  let dir = TempDir::new("roundtrip");
  let mut a = cookie("a", ".example.com");
  a.value = "välue with \"quotes\" and =".into();
  a.path = "/some/path".into();
  a.secure = true;
  a.http_only = true;
  a.same_site = SameSite::Strict;
  a.priority = Priority::High;
  a.source_scheme = SourceScheme::NonSecure;
  a.source_port = 8443;
  a.creation = Time(-5);
  let mut b = cookie("b", "host.example");
  b.same_site = SameSite::NoRestriction;
  b.priority = Priority::Low;
  b.source_scheme = SourceScheme::Unset;
  b.source_port = -1;
  b.expiry = Some(Time(i64::MAX));
  let mut c = cookie("c", "host.example");
  c.same_site = SameSite::Unspecified;
  c.value = String::new();
  let d = cookie("d", "127.0.0.1");
  let all = sorted(vec![a, b, c, d]);
  {
    let (backing, loaded) = open(dir.path()).expect("creates");
    assert!(loaded.is_empty());
    for c in &all {
      backing.add(c);
    }
    assert_eq!(backing.flush(), Ok(()));
    assert_eq!(backing.path(), dir.db());
    assert_eq!(backing.last_error(), None);
  }
  assert_eq!(reopen(&dir), all);
}

#[test]
fn session_cookies_are_never_written() {
  let dir = TempDir::new("session");
  let (backing, _) = open(dir.path()).expect("opens");
  let mut session = cookie("s", "example.com");
  session.expiry = None;
  backing.add(&session);
  backing.update_access_time(&session);
  backing.add(&cookie("p", "example.com"));
  assert_eq!(backing.flush(), Ok(()));
  assert_eq!(rows(&dir), 1);
  drop(backing);
  let names: Vec<String> = reopen(&dir).into_iter().map(|c| c.name).collect();
  assert_eq!(names, ["p"]);
}

#[test]
fn deletes_and_access_time_updates_reach_the_disk() {
  let dir = TempDir::new("update");
  let (backing, _) = open(dir.path()).expect("opens");
  let a = cookie("a", "example.com");
  let b = cookie("b", "example.com");
  backing.add(&a);
  backing.add(&b);
  assert_eq!(backing.flush(), Ok(()));

  let mut touched = a.clone();
  touched.last_access = Time(1_780_000_000_000_000);
  backing.update_access_time(&touched);
  backing.delete(&b);
  // An overwrite within one batch (delete + add, as the store sends it), then a second access:
  // the latest of each wins.
  let c = cookie("c", "example.com");
  let mut c2 = c.clone();
  c2.value = "second".into();
  backing.add(&c);
  backing.delete(&c);
  backing.add(&c2);
  let mut c2_touched = c2.clone();
  c2_touched.last_access = Time(1_780_000_000_000_001);
  backing.update_access_time(&c2);
  backing.update_access_time(&c2_touched);
  // Added and deleted before any commit: never stored.
  let gone = cookie("gone", "example.com");
  backing.add(&gone);
  backing.delete(&gone);
  assert_eq!(backing.flush(), Ok(()));
  drop(backing);

  let mut c2_expected = c2.clone();
  c2_expected.last_access = c2_touched.last_access;
  assert_eq!(reopen(&dir), vec![touched, c2_expected]);
}

#[test]
fn operations_on_one_cookie_coalesce_as_chromium_s() {
  let dir = TempDir::new("coalesce");
  let (backing, _) = open(dir.path()).expect("opens");
  let a = cookie("a", "example.com");
  backing.add(&a);
  backing.update_access_time(&a);
  backing.update_access_time(&a);
  // add + the later of two access updates.
  assert_eq!(backing.shared.pending_ops(), 2);
  backing.delete(&a);
  // A delete makes the earlier ones irrelevant.
  assert_eq!(backing.shared.pending_ops(), 1);
  backing.add(&a);
  backing.update_access_time(&a);
  assert_eq!(backing.shared.pending_ops(), 3);
  // Another cookie (other path) has its own queue.
  let mut b = a.clone();
  b.path = "/b".into();
  backing.delete(&b);
  assert_eq!(backing.shared.pending_ops(), 4);
  assert_eq!(backing.flush(), Ok(()));
  assert_eq!(backing.shared.pending_ops(), 0);
  assert_eq!(rows(&dir), 1);
}

#[test]
fn a_second_open_sees_what_the_first_flushed_while_it_is_still_open() {
  let dir = TempDir::new("second");
  let (first, _) = open(dir.path()).expect("first opens");
  first.add(&cookie("one", "example.com"));
  assert_eq!(first.flush(), Ok(()));

  let (second, seen) = open(dir.path()).expect("second opens while the first is open");
  assert_eq!(seen, vec![cookie("one", "example.com")]);
  second.add(&cookie("two", "example.com"));
  assert_eq!(second.flush(), Ok(()));
  first.add(&cookie("three", "example.com"));
  assert_eq!(first.flush(), Ok(()));
  drop((first, second));
  let names: Vec<String> = reopen(&dir).into_iter().map(|c| c.name).collect();
  assert_eq!(names, ["one", "three", "two"]);
}

#[test]
fn six_hundred_operations_are_committed_without_a_flush() {
  let dir = TempDir::new("batch");
  let (backing, _) = open(dir.path()).expect("opens");
  for i in 0..600 {
    backing.add(&cookie(&format!("c{i}"), "example.com"));
  }
  // The 512th operation starts a commit; the 30 s timer has the rest.
  let deadline = Instant::now() + Duration::from_secs(20);
  let mut stored = rows(&dir);
  while stored < 512 && Instant::now() < deadline {
    std::thread::sleep(Duration::from_millis(50));
    stored = rows(&dir);
  }
  assert!(stored >= 512, "only {stored} rows committed");
  assert_eq!(backing.flush(), Ok(()));
  assert_eq!(rows(&dir), 600);
}

#[test]
fn dropping_the_backing_writes_what_is_pending_and_ends_its_thread() {
  let dir = TempDir::new("drop");
  let (backing, _) = open(dir.path()).expect("opens");
  backing.add(&cookie("kept", "example.com"));
  // The writer thread holds the shared state until it returns.
  let shared = Arc::downgrade(&backing.shared);
  let started = Instant::now();
  drop(backing);
  assert!(
    shared.upgrade().is_none(),
    "the writer thread is still running"
  );
  assert!(started.elapsed() < Duration::from_secs(5));
  assert_eq!(reopen(&dir), vec![cookie("kept", "example.com")]);
}

#[test]
fn close_writes_and_later_changes_fail_the_next_flush() {
  let dir = TempDir::new("close");
  let (backing, _) = open(dir.path()).expect("opens");
  backing.add(&cookie("before", "example.com"));
  assert_eq!(backing.close(), Ok(()));
  assert!(backing.thread.lock().unwrap().is_none(), "writer joined");
  assert_eq!(backing.flush(), Ok(()));
  backing.add(&cookie("after", "example.com"));
  let err = backing.flush().expect_err("written after close");
  assert!(err.contains("closed"), "{err}");
  drop(backing);
  let names: Vec<String> = reopen(&dir).into_iter().map(|c| c.name).collect();
  assert_eq!(names, ["before"]);
}

fn noise(len: usize) -> Vec<u8> {
  // Deterministic bytes that are not an SQLite header.
  let mut x: u32 = 0x1234_5678;
  (0..len)
    .map(|_| {
      x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
      (x >> 24) as u8
    })
    .collect()
}

fn assert_untouched_error(dir: &TempDir, kind: OpenErrorKind, words: &str) {
  let before = std::fs::read(dir.db()).expect("file exists");
  let err = match open(dir.path()) {
    Ok(_) => panic!("opened; expected {kind:?} ({words})"),
    Err(e) => e,
  };
  assert_eq!(err.kind(), kind, "{err}");
  let text = err.to_string();
  assert!(text.contains(&dir.db().display().to_string()), "{text}");
  assert!(text.contains(words), "{text}");
  assert!(text.ends_with("cookies are kept in memory only"), "{text}");
  assert_eq!(std::fs::read(dir.db()).expect("still there"), before);
}

#[test]
fn random_bytes_are_corrupt_and_left_untouched() {
  let dir = TempDir::new("noise");
  std::fs::write(dir.db(), noise(8192)).unwrap();
  assert_untouched_error(
    &dir,
    OpenErrorKind::Corrupt,
    "is corrupt (file is not a database)",
  );
}

#[test]
fn a_truncated_database_is_corrupt_and_left_untouched() {
  let dir = TempDir::new("truncated");
  {
    let (backing, _) = open(dir.path()).expect("opens");
    for i in 0..400 {
      let mut c = cookie(&format!("c{i}"), "example.com");
      c.value = "x".repeat(200);
      backing.add(&c);
    }
    assert_eq!(backing.flush(), Ok(()));
  }
  let full = std::fs::read(dir.db()).unwrap();
  assert!(full.len() > 4 * 4096, "{} bytes", full.len());
  std::fs::write(dir.db(), &full[..full.len() / 2]).unwrap();
  assert_untouched_error(&dir, OpenErrorKind::Corrupt, "is corrupt");
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_left_untouched() {
  let dir = TempDir::new("foreign");
  {
    let conn = Connection::open(dir.db()).unwrap();
    conn
      .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
      .unwrap();
  }
  assert_untouched_error(
    &dir,
    OpenErrorKind::Corrupt,
    "without the cookie store's tables",
  );

  // Ours by name, but a cookies table without our columns.
  let dir = TempDir::new("foreign-columns");
  {
    let conn = Connection::open(dir.db()).unwrap();
    conn
      .execute_batch(
        "CREATE TABLE meta (key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
         INSERT INTO meta VALUES ('version', '1');
         CREATE TABLE cookies (host_key TEXT, name TEXT, value TEXT);",
      )
      .unwrap();
  }
  assert_untouched_error(&dir, OpenErrorKind::Corrupt, "no path column");
}

#[test]
fn a_newer_schema_version_is_refused_and_left_untouched() {
  let dir = TempDir::new("newer");
  {
    let (backing, _) = open(dir.path()).expect("opens");
    backing.add(&cookie("a", "example.com"));
  }
  {
    let conn = Connection::open(dir.db()).unwrap();
    conn
      .execute("UPDATE meta SET value = '2' WHERE key = 'version'", [])
      .unwrap();
  }
  assert_untouched_error(&dir, OpenErrorKind::TooNew, "schema version 2");
}

#[test]
fn rows_that_do_not_decode_are_skipped() {
  let dir = TempDir::new("badrows");
  {
    let (backing, _) = open(dir.path()).expect("opens");
    backing.add(&cookie("good", "example.com"));
  }
  {
    let conn = Connection::open(dir.db()).unwrap();
    let insert = |name: &str, column: &str, value: &str| {
      conn
        .execute_batch(&format!(
          "INSERT INTO cookies SELECT host_key, '{name}', value, path, creation_utc, expires_utc,
             last_access_utc, last_update_utc, is_secure, is_httponly, samesite, priority,
             source_scheme, source_port FROM cookies WHERE name = 'good';
           UPDATE cookies SET {column} = {value} WHERE name = '{name}';"
        ))
        .unwrap();
    };
    insert("samesite", "samesite", "7");
    insert("priority", "priority", "-3");
    insert("scheme", "source_scheme", "9");
    insert("text-time", "creation_utc", "'yesterday'");
    insert("real-time", "expires_utc", "1.5");
    insert("port", "source_port", "5000000000");
    insert("blob-value", "value", "x'ff00'");
    insert("blob-name", "name", "x'6e'");
  }
  assert_eq!(rows(&dir), 9);
  let names: Vec<String> = reopen(&dir).into_iter().map(|c| c.name).collect();
  assert_eq!(names, ["good"]);
}

/// A row `cookies.set` could never have stored is not loaded (it would go on the wire as is:
/// a `;` in a value is a second cookie there), and times after now are brought back to now.
#[test]
fn rows_that_are_not_canonical_are_skipped_and_future_times_clamped() {
  let dir = TempDir::new("noncanonical");
  let future = Time(Time::now().0 + 365 * 86_400 * 1_000_000);
  {
    let (backing, _) = open(dir.path()).expect("opens");
    backing.add(&cookie("good", "example.com"));
    let bad = |name: &str, edit: &dyn Fn(&mut CanonicalCookie)| {
      let mut c = cookie(name, "example.com");
      edit(&mut c);
      backing.add(&c);
    };
    bad("semicolon", &|c| c.value = "v; other=injected".into());
    bad("control", &|c| c.value = "v\u{1}x".into());
    bad("tab", &|c| c.value = "v\tx".into());
    bad("crlf", &|c| c.value = "v\r\nx".into());
    // Chromium takes a space inside a name, as `cookies.set` does.
    bad("space name", &|_| {});
    bad("empty-domain", &|c| c.domain = String::new());
    bad("nul\0name", &|_| {});
    bad("huge", &|c| c.value = "x".repeat(10 * 1024 * 1024));
    bad("no-slash", &|c| c.path = "nope".into());
    bad("dot-domain", &|c| c.domain = ".".into());
    bad("upper-domain", &|c| c.domain = "EXAMPLE.com".into());
    bad("future", &|c| {
      c.creation = future;
      c.last_access = future;
      c.last_update = future;
    });
  }
  assert_eq!(rows(&dir), 13);
  let loaded = reopen(&dir);
  let names: Vec<&str> = loaded.iter().map(|c| c.name.as_str()).collect();
  assert_eq!(names, ["future", "good", "space name"]);
  let now = Time::now();
  assert!(loaded[0].creation <= now && loaded[0].last_access <= now);
}

#[test]
fn a_read_only_directory_or_file_is_reported() {
  // Nothing there yet: the file cannot be created.
  let empty = TempDir::new("ro-empty");
  set_mode(empty.path(), 0o555);
  if can_write_in(empty.path()) {
    eprintln!("skipped: this user (root?) writes in a 0555 directory");
    return;
  }
  let err = open(empty.path()).err().expect("refused");
  assert_eq!(err.kind(), OpenErrorKind::ReadOnly, "{err}");
  assert!(err.to_string().contains("is not writable"), "{err}");

  // A database that exists, in a directory that no longer takes its journal.
  let dir = TempDir::new("ro-dir");
  {
    let (backing, _) = open(dir.path()).expect("opens");
    backing.add(&cookie("a", "example.com"));
  }
  // TRUNCATE mode leaves an empty journal behind, which SQLite can still write: without it, the
  // directory has to take a new one.
  let journal = dir.path().join(format!("{FILE_NAME}-journal"));
  assert_eq!(std::fs::metadata(&journal).map(|m| m.len()).ok(), Some(0));
  std::fs::remove_file(&journal).unwrap();
  set_mode(dir.path(), 0o555);
  assert_untouched_error(&dir, OpenErrorKind::ReadOnly, "is not writable");
  set_mode(dir.path(), 0o755);

  // A read-only file in a writable directory.
  set_mode(&dir.db(), 0o444);
  assert_untouched_error(
    &dir,
    OpenErrorKind::ReadOnly,
    "is not writable (the file is read-only)",
  );
}

/// Another connection (another process, as far as SQLite's locks go) holds `lock` for `hold`.
fn hold_lock(db: PathBuf, lock: &'static str, hold: Duration) -> std::thread::JoinHandle<()> {
  let (tx, rx) = std::sync::mpsc::channel();
  let holder = std::thread::spawn(move || {
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(lock).unwrap();
    conn
      .execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('other-writer', '1')",
        [],
      )
      .unwrap();
    tx.send(()).unwrap();
    std::thread::sleep(hold);
    conn.execute_batch("COMMIT").unwrap();
  });
  rx.recv_timeout(Duration::from_secs(10))
    .expect("lock taken");
  holder
}

#[test]
fn a_writer_holding_the_database_for_a_second_is_waited_for() {
  let dir = TempDir::new("busy");
  let (backing, _) = open(dir.path()).expect("opens");
  backing.add(&cookie("a", "example.com"));
  assert_eq!(backing.flush(), Ok(()));

  // EXCLUSIVE keeps even readers out: both open() and a commit have to wait.
  let holder = hold_lock(dir.db(), "BEGIN EXCLUSIVE", Duration::from_millis(1000));
  let started = Instant::now();
  backing.add(&cookie("b", "example.com"));
  assert_eq!(backing.flush(), Ok(()));
  let (second, seen) = open(dir.path()).expect("opens after the other writer");
  assert!(
    started.elapsed() >= Duration::from_millis(500),
    "did not wait"
  );
  assert_eq!(seen.len(), 2);
  holder.join().unwrap();

  // IMMEDIATE (a writer between its first write and its commit) lets readers in.
  let holder = hold_lock(dir.db(), "BEGIN IMMEDIATE", Duration::from_millis(1000));
  second.add(&cookie("c", "example.com"));
  assert_eq!(second.flush(), Ok(()));
  holder.join().unwrap();
  drop((backing, second));
  assert_eq!(reopen(&dir).len(), 3);
}

#[test]
fn a_database_locked_beyond_the_timeout_fails_fast_and_keeps_the_changes() {
  let dir = TempDir::new("locked");
  let busy = Duration::from_millis(300);
  let (backing, _) = open_with(dir.path(), busy, timing()).expect("opens");
  let holder = hold_lock(dir.db(), "BEGIN EXCLUSIVE", Duration::from_millis(2500));

  let started = Instant::now();
  let err = open_with(dir.path(), busy, timing()).err().expect("locked");
  assert_eq!(err.kind(), OpenErrorKind::Locked, "{err}");
  assert!(
    err.to_string().contains("is locked by another process"),
    "{err}"
  );

  backing.add(&cookie("a", "example.com"));
  let err = backing.flush().expect_err("locked");
  assert!(err.contains("is locked by another process"), "{err}");
  assert!(err.contains(&dir.db().display().to_string()), "{err}");
  assert_eq!(backing.last_error(), Some(err));
  assert!(
    started.elapsed() < Duration::from_millis(2400),
    "waited too long"
  );
  holder.join().unwrap();

  // The failed batch was kept: the next commit writes it.
  assert_eq!(backing.flush(), Ok(()));
  assert_eq!(backing.last_error(), None);
  drop(backing);
  assert_eq!(reopen(&dir), vec![cookie("a", "example.com")]);
}

#[test]
fn processes_opening_a_fresh_directory_at_once_share_one_schema() {
  let dir = TempDir::new("race");
  let path = dir.path().join("Partitions").join("p");
  let openers: Vec<_> = (0..4)
    .map(|i| {
      let path = path.clone();
      std::thread::spawn(move || {
        let (backing, _) = open(&path).expect("opens");
        backing.add(&cookie(&format!("c{i}"), "example.com"));
        backing.flush()
      })
    })
    .collect();
  for o in openers {
    assert_eq!(o.join().unwrap(), Ok(()));
  }
  let (_b, all) = open(&path).expect("reopens");
  assert_eq!(all.len(), 4);
}

const CRASH_DIR: &str = "ELECTRON_NET_RS_COOKIE_CRASH_DIR";

/// The child of `a_writer_killed_mid_commit_leaves_a_sound_database`: writes batch after batch
/// until it is killed (or after a bounded number of cookies).
#[test]
#[ignore = "run as a child process by a_writer_killed_mid_commit_leaves_a_sound_database"]
fn crash_child_writes_until_killed() {
  let dir = PathBuf::from(std::env::var_os(CRASH_DIR).expect("run by the crash test"));
  let (backing, _) = open(&dir).expect("child opens");
  for i in 0..200_000 {
    let mut c = cookie(&format!("c{i}"), "example.com");
    c.value = "x".repeat(2000);
    backing.add(&c);
    // Large commits (about 1 MB): a kill lands inside one most of the time.
    if i % 500 == 499 {
      backing.flush().expect("child flushes");
    }
  }
}

#[test]
fn a_writer_killed_mid_commit_leaves_a_sound_database() {
  let dir = TempDir::new("crash");
  let exe = std::env::current_exe().expect("test binary");
  for round in 0..6u64 {
    let mut child = std::process::Command::new(&exe)
      .args([
        "--ignored",
        "--exact",
        "request::cookies::persist::tests::crash_child_writes_until_killed",
        "--test-threads=1",
      ])
      .env(CRASH_DIR, dir.path())
      .stdout(std::process::Stdio::null())
      .stderr(std::process::Stdio::null())
      .spawn()
      .expect("child starts");
    // Wait for its commits to be under way, then kill it at some point of one.
    let deadline = Instant::now() + Duration::from_secs(30);
    let start_rows = if round == 0 { 0 } else { rows(&dir) };
    let mut seen = start_rows;
    while seen < start_rows + 1000 && Instant::now() < deadline {
      std::thread::sleep(Duration::from_millis(20));
      seen = if dir.db().exists() {
        Connection::open(dir.db())
          .and_then(|c| {
            c.busy_timeout(Duration::from_secs(5))?;
            c.query_row("SELECT COUNT(*) FROM cookies", [], |r| r.get::<_, i64>(0))
          })
          .unwrap_or(seen)
      } else {
        seen
      };
    }
    std::thread::sleep(Duration::from_millis(11 * round + 2));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(seen >= start_rows + 1000, "child wrote only {seen} rows");

    // A hot journal, if the kill came mid-commit, is rolled back: every committed row is there.
    let (backing, cookies) = open(dir.path()).expect("opens after the crash");
    assert!(cookies.len() as i64 >= seen, "{} < {seen}", cookies.len());
    drop(backing);
    let conn = Connection::open(dir.db()).unwrap();
    let check: String = conn
      .query_row("PRAGMA integrity_check", [], |r| r.get(0))
      .unwrap();
    assert_eq!(check, "ok");
  }
}
