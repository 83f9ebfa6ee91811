//! A session's cookie store, with Chromium's rules (`net/cookies/`): what a `Set-Cookie` or
//! `ses.cookies.set` makes of a cookie, which cookies a request carries, limits and eviction,
//! and the changes `ses.cookies` reports as `'changed'`.
//!
//! - [`canonical`]: the cookie itself, its times and attributes (Chromium's `CanonicalCookie`).
//! - [`parse`]: `Set-Cookie` parsing (`ParsedCookie`). Ours, not the `cookie` crate's: see there.
//! - [`rules`]: domains, paths, prefixes, the `Expires` date algorithm (`cookie_util`).
//! - [`create`]: making a cookie and deciding access (`CanonicalCookie`, `CookieBase`).
//! - [`same_site`]: the SameSite context of a request or response.
//! - [`jar`]: the store (`CookieMonster`); [`eviction`]: its limits; [`details`]: `ses.cookies`
//!   `set`/`get` as Electron does them; [`change`]: the `'changed'` causes; [`status`]: why a
//!   cookie was refused and Electron's rejection text.
//! - [`persist`]: the on-disk half of a persistent session's store (SQLite).
//! - [`store`]: the jar as a session holds it (lazy open, the `'changed'` queue);
//!   [`for_request`]: cookies on one request's hops.

pub mod canonical;
pub mod change;
pub mod create;
pub mod details;
pub mod eviction;
pub mod for_request;
pub mod jar;
pub mod parse;
pub mod persist;
pub mod rules;
pub mod same_site;
pub mod status;
pub mod store;
#[cfg(test)]
mod tests;

pub use change::Change;
pub use details::{GetFilter, SetDetails};
pub use jar::CookieJar;
pub use same_site::{context_for_request, context_for_response};

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
