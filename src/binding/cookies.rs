//! `ses.cookies` (`lib/cookies.js`) over a session's [`CookieStore`]: functions taking the
//! session's id, as requests do (`src/binding/session.rs` says why), and the poke that tells
//! JS changes are waiting.
//!
//! The jar is in memory, so get/set/remove run on the JS thread (microseconds, under a lock the
//! engine holds only as long); only `flushStore` touches the disk, on libuv's thread pool.

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use crate::binding::pool_work::guarded;
use crate::binding::session::{all, find as session};
use crate::request::cookies::canonical::{CanonicalCookie, Time};
use crate::request::cookies::{GetFilter, SetDetails};
use crate::request::events::{Event, Lifeline};
use crate::request::session::SessionInner;

/// A cookie as `lib/cookies.js` turns it into Electron's `Cookie` (reference §7.2).
#[napi(object)]
pub struct NativeCookie {
  pub name: String,
  pub value: String,
  pub domain: String,
  pub host_only: bool,
  pub path: String,
  pub secure: bool,
  pub http_only: bool,
  pub session: bool,
  pub expiration_date: Option<f64>,
  pub same_site: String,
}

impl From<&CanonicalCookie> for NativeCookie {
  fn from(c: &CanonicalCookie) -> NativeCookie {
    NativeCookie {
      name: c.name.clone(),
      value: c.value.clone(),
      domain: c.domain.clone(),
      host_only: c.host_only(),
      path: c.path.clone(),
      secure: c.secure,
      http_only: c.http_only,
      session: !c.is_persistent(),
      expiration_date: c.expiry.map(Time::as_seconds),
      same_site: c.same_site.as_str().to_string(),
    }
  }
}

/// `ses.cookies.get`'s filter, fields already checked for type by `lib/cookies.js`.
#[napi(object)]
pub struct NativeCookieFilter {
  pub url: Option<String>,
  pub name: Option<String>,
  pub domain: Option<String>,
  pub path: Option<String>,
  pub secure: Option<bool>,
  pub http_only: Option<bool>,
  pub session: Option<bool>,
}

/// `ses.cookies.set`'s details, fields already checked for type by `lib/cookies.js`.
#[napi(object)]
pub struct NativeCookieDetails {
  pub url: String,
  pub name: Option<String>,
  pub value: Option<String>,
  pub domain: Option<String>,
  pub path: Option<String>,
  pub secure: Option<bool>,
  pub http_only: Option<bool>,
  pub expiration_date: Option<f64>,
  pub same_site: Option<String>,
}

/// One `'changed'` event's arguments.
#[napi(object)]
pub struct NativeCookieChange {
  pub cookie: NativeCookie,
  pub cause: String,
  pub removed: bool,
}

/// Lets session `id`'s store poke `load`'s dispatcher when changes are waiting (JS thread, at
/// the session's creation). Held weakly: a load that is gone hears nothing.
pub fn connect(inner: &SessionInner, id: u32, load: u32) {
  let Some(channel) = crate::binding::env::channel(load) else {
    return;
  };
  let channel = Arc::downgrade(&channel);
  inner.cookies.set_notifier(Box::new(move || {
    if let Some(channel) = channel.upgrade() {
      channel.emit(
        0,
        &Arc::new(Lifeline::default()),
        Event::CookiesChanged { session: id },
      );
    }
  }));
}

#[napi(catch_unwind)]
pub fn cookies_get(session_id: u32, filter: NativeCookieFilter) -> napi::Result<Vec<NativeCookie>> {
  let session = session(session_id)?;
  let filter = GetFilter {
    url: filter.url,
    name: filter.name,
    domain: filter.domain,
    path: filter.path,
    secure: filter.secure,
    http_only: filter.http_only,
    session: filter.session,
  };
  let now = Time::now();
  Ok(session.cookies.with_jar(|jar, changes| {
    jar
      .get(&filter, now, changes)
      .iter()
      .map(NativeCookie::from)
      .collect()
  }))
}

/// `None` when stored, else the rejection's text (Electron's, built by the jar).
#[napi(catch_unwind)]
pub fn cookies_set(session_id: u32, details: NativeCookieDetails) -> napi::Result<Option<String>> {
  let session = session(session_id)?;
  let details = SetDetails {
    url: details.url,
    name: details.name,
    value: details.value,
    domain: details.domain,
    path: details.path,
    secure: details.secure,
    http_only: details.http_only,
    expiration_date: details.expiration_date,
    same_site: details.same_site,
  };
  let now = Time::now();
  let result = session
    .cookies
    .with_jar(|jar, changes| jar.set_from_details(details, now, changes));
  Ok(result.err().map(|e| e.to_string()))
}

#[napi(catch_unwind)]
pub fn cookies_remove(session_id: u32, url: String, name: String) -> napi::Result<()> {
  let session = session(session_id)?;
  // A URL that does not parse matches no cookie: the promise still resolves (reference §7.2).
  if let Ok(url) = url::Url::parse(&url) {
    let now = Time::now();
    session
      .cookies
      .with_jar(|jar, changes| jar.remove(&url, &name, now, changes));
  }
  Ok(())
}

/// `clearStorageData` / `clearData` for cookies: every one, or those of `origin_host`.
#[napi(catch_unwind)]
pub fn cookies_clear(session_id: u32, origin_host: Option<String>) -> napi::Result<()> {
  let session = session(session_id)?;
  session
    .cookies
    .with_jar(|jar, changes| jar.clear(origin_host.as_deref(), changes));
  Ok(())
}

/// `clearData({ excludeOrigins })` for cookies: all but those of `kept_hosts`.
#[napi(catch_unwind)]
pub fn cookies_clear_except(session_id: u32, kept_hosts: Vec<String>) -> napi::Result<()> {
  let session = session(session_id)?;
  session
    .cookies
    .with_jar(|jar, changes| jar.clear_except(&kept_hosts, changes));
  Ok(())
}

/// Whether `'changed'` has listeners: changes are queued only then.
#[napi(catch_unwind)]
pub fn cookies_listen(session_id: u32, listening: bool) -> napi::Result<()> {
  session(session_id)?.cookies.set_listening(listening);
  Ok(())
}

/// The changes queued since the last call, in order (on a `CookiesChanged` poke).
#[napi(catch_unwind)]
pub fn cookies_take_changes(session_id: u32) -> napi::Result<Vec<NativeCookieChange>> {
  let session = session(session_id)?;
  Ok(
    session
      .cookies
      .take_changes()
      .iter()
      .map(|change| NativeCookieChange {
        cookie: NativeCookie::from(&change.cookie),
        cause: change.cause.as_str().to_string(),
        removed: change.cause.removed(),
      })
      .collect(),
  )
}

/// Writes a session's pending cookies to disk, on libuv's thread pool.
pub struct Flush(Arc<SessionInner>);

impl Task for Flush {
  type Output = ();
  type JsValue = ();

  fn compute(&mut self) -> napi::Result<()> {
    let session = &self.0;
    guarded(|| session.cookies.flush())?.map_err(napi::Error::from_reason)
  }

  fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
    Ok(())
  }
}

/// `flushStore()`: resolves once everything earlier is on disk; rejects with why it is not.
#[napi(catch_unwind)]
pub fn cookies_flush(session_id: u32) -> napi::Result<AsyncTask<Flush>> {
  Ok(AsyncTask::new(Flush(session(session_id)?)))
}

/// Writes every session's pending cookies of this environment now (blocking): at its exit.
#[napi(catch_unwind)]
pub fn cookies_flush_all() {
  flush_all();
}

/// Every store this environment used is written; failures are already reported by
/// `flushStore` and cannot be reported at exit.
pub fn flush_all() {
  for session in all() {
    let _ = session.cookies.flush_if_open();
  }
}
