//! A session's cookie store, with Chromium's rules (`net/cookies/`): what a `Set-Cookie` or
//! `ses.cookies.set` makes of a cookie, which cookies a request carries, limits and eviction,
//! and the changes `ses.cookies` reports as `'changed'`.
//!
//! - [`canonical`]: the cookie itself, its times and attributes (Chromium's `CanonicalCookie`).
//! - [`persist`]: the on-disk half of a `persist:` session's store (SQLite).

pub mod canonical;
pub mod persist;

use canonical::CanonicalCookie;

/// What the in-memory store tells the disk (Chromium's `CookieMonster::PersistentCookieStore`).
/// Only persistent cookies (with an expiry) are passed; the calls return at once and the
/// writes are batched (Chromium: every 30 s or 512 operations).
pub trait CookieBacking: Send + Sync {
  fn add(&self, cookie: &CanonicalCookie);
  fn update_access_time(&self, cookie: &CanonicalCookie);
  fn delete(&self, cookie: &CanonicalCookie);
  /// Blocks until every earlier operation is on disk; `Err` says why it could not be written
  /// (the cookies stay in memory).
  fn flush(&self) -> Result<(), String>;
}
