//! `NativeSession`: the JS-facing half of a `Session` (`lib/session.js`); what it owns lives in
//! [`SessionInner`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Function};
use napi_derive::napi;

use crate::binding::resolve_host::ResolveHost;
use crate::binding::resolve_proxy;
use crate::request::host_mapping::HostMappingRules;
use crate::request::host_resolver::Params;
use crate::request::session::SessionInner;

/// The native half of a `Session`.
#[napi]
pub struct NativeSession {
  pub(super) inner: Arc<SessionInner>,
  id: u32,
}

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

thread_local! {
  // Requests name their session by id: unwrapping a class instance passed as an argument costs
  // napi-rs a borrow registration (a hashed lookup) per call, ~1-2 us per request (measured).
  // Only the JS thread creates and finalizes sessions and starts requests.
  static SESSIONS: RefCell<HashMap<u32, Arc<SessionInner>>> = RefCell::new(HashMap::new());
}

/// The session whose `NativeSession` has this id, while that object is alive.
pub fn by_id(id: u32) -> Option<Arc<SessionInner>> {
  SESSIONS.with(|s| s.borrow().get(&id).cloned())
}

/// The session whose `NativeSession` has this id, or the `ERR_FAILED` a call about a session
/// that is gone (finalized, or of another environment) throws or rejects with.
pub fn find(id: u32) -> napi::Result<Arc<SessionInner>> {
  by_id(id).ok_or_else(|| napi::Error::from_reason("ERR_FAILED"))
}

/// Every session of this thread's environment (JS thread).
pub fn all() -> Vec<Arc<SessionInner>> {
  SESSIONS.with(|s| s.borrow().values().cloned().collect())
}

/// Forgets every session of this thread's environment, which is being torn down (bridge).
pub fn forget_all() {
  let sessions = SESSIONS.with(|s| std::mem::take(&mut *s.borrow_mut()));
  drop(sessions);
}

impl Drop for NativeSession {
  fn drop(&mut self) {
    // Finalizers run on the JS thread; a thread that is gone has nothing left to remove.
    let _ = SESSIONS.try_with(|s| s.borrow_mut().remove(&self.id));
  }
}

#[napi]
impl NativeSession {
  #[napi(constructor, catch_unwind)]
  /// `extra_ca_certs`: `NODE_EXTRA_CA_CERTS` as the creating thread's `process.env` has it;
  /// `storage_path`: a persistent session's directory; `load`: the module load whose dispatcher
  /// hears of its cookie changes.
  pub fn new(
    partition: String,
    extra_ca_certs: Option<String>,
    storage_path: Option<String>,
    load: u32,
  ) -> NativeSession {
    let inner = Arc::new(SessionInner::new(
      partition,
      extra_ca_certs,
      storage_path.map(Into::into),
    ));
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    crate::binding::cookies::connect(&inner, id, load);
    SESSIONS.with(|s| s.borrow_mut().insert(id, inner.clone()));
    NativeSession { inner, id }
  }

  /// What `startRequest` takes to name this session.
  #[napi(getter)]
  pub fn id(&self) -> u32 {
    self.id
  }

  #[napi(getter, catch_unwind)]
  pub fn partition(&self) -> String {
    self.inner.partition.clone()
  }

  /// `acceptLanguages` (e.g. `'en-US,fr'`) becomes the `Accept-Language` of later requests.
  #[napi(catch_unwind)]
  pub fn set_user_agent(&self, user_agent: String, accept_languages: Option<String>) {
    *self
      .inner
      .user_agent
      .write()
      .unwrap_or_else(|p| p.into_inner()) = user_agent;
    if let Some(languages) = accept_languages {
      *self
        .inner
        .accept_languages
        .write()
        .unwrap_or_else(|p| p.into_inner()) = Some(languages).filter(|l| !l.is_empty());
    }
  }

  /// Forgets every remembered HTTP credential of this session.
  #[napi(catch_unwind)]
  pub fn clear_auth_cache(&self) {
    self.inner.auth.clear();
  }

  /// `ses.setProxy`: `mode` is already Electron's resolved mode name (`lib/session.js` applies
  /// the default and refuses unknown ones). Requests started from now on use it; pooled
  /// connections keep their route (reference §10). A PAC script starts loading at once.
  #[napi(catch_unwind)]
  pub fn set_proxy(
    &self,
    mode: String,
    proxy_rules: String,
    proxy_bypass_rules: String,
    pac_script: String,
    system_env: Option<Vec<String>>,
  ) {
    // `[name, value, ...]` of the proxy variables JS found in its process.env.
    let mut pairs = system_env.unwrap_or_default().into_iter();
    let mut env = Vec::new();
    while let (Some(name), Some(value)) = (pairs.next(), pairs.next()) {
      env.push((name, value));
    }
    let pac = self
      .inner
      .set_proxy(&mode, &proxy_rules, &proxy_bypass_rules, &pac_script, &env);
    resolve_proxy::preload(&self.inner, pac);
  }

  /// `ses.forceReloadProxyConfig()`: a PAC script is fetched and evaluated again, and its
  /// remembered answers forgotten.
  #[napi(catch_unwind)]
  pub fn force_reload_proxy_config(&self) {
    let pac = self.inner.reload_proxy();
    resolve_proxy::preload(&self.inner, pac);
  }

  /// `ses.resolveProxy`: calls `done` with `DIRECT`, `PROXY host:port`, ... joined with `;`
  /// (`''` for a URL that does not parse, reference §10) once a PAC script, if any, has answered.
  #[napi(catch_unwind)]
  pub fn resolve_proxy(&self, url: String, done: Function<String, ()>) -> napi::Result<()> {
    resolve_proxy::start(&self.inner, url, done)
  }

  #[napi(catch_unwind)]
  pub fn get_user_agent(&self) -> String {
    self.inner.user_agent()
  }

  /// Closes every connection of this session; requests in flight fail with
  /// `net::ERR_ABORTED`.
  #[napi(catch_unwind)]
  pub fn close_all_connections(&self) {
    self.inner.pool.close_all();
  }

  /// `ses.resolveHost(host, options)`: the options' strings as `lib/session.js` read them
  /// (non-strings left out); unknown values mean the default. Resolves with the endpoints or
  /// the `ERR_*` name to reject with.
  #[napi(catch_unwind)]
  pub fn resolve_host(
    &self,
    host: String,
    query_type: Option<String>,
    source: Option<String>,
    cache_usage: Option<String>,
  ) -> AsyncTask<ResolveHost> {
    AsyncTask::new(ResolveHost {
      resolver: self.inner.resolver.clone(),
      host,
      params: Params::from_names(
        query_type.as_deref(),
        source.as_deref(),
        cache_usage.as_deref(),
      ),
    })
  }

  /// The `host-resolver-rules` switch (`lib/command-line.js`) for this session's later connections and
  /// `resolveHost`. Returns the rules that did not parse (skipped, as Chromium skips them).
  #[napi(catch_unwind)]
  pub fn set_host_resolver_rules(&self, rules: String) -> Vec<String> {
    let parsed = HostMappingRules::parse(&rules);
    self.inner.resolver.set_rules(parsed.rules);
    parsed.rejected
  }

  /// `ses.clearHostResolverCache()`: forgets every cached name (requests and `resolveHost`).
  #[napi(catch_unwind)]
  pub fn clear_host_resolver_cache(&self) {
    self.inner.resolver.clear();
  }
}
