//! Cookies on one request: whether a hop sends and stores them (Electron's credentials matrix,
//! reference §7.1), and the SameSite context each hop has (Chromium's
//! `URLRequestHttpJob::AddCookieHeaderAndStart` / `SaveCookiesAndNotifyHeadersComplete`).

use url::Url;

use crate::request::cookies::store::CookieStore;
use crate::request::cookies::{context_for_request, context_for_response};

/// Whether a hop to a URL uses the cookie store (reference §7.1): `include` always, `omit` never,
/// `same-origin` while the URL is same-origin with the `origin` option, and with no recognised
/// `credentials` only when `useSessionCookies` is set.
pub fn enabled(credentials: Option<&str>, use_session_cookies: bool, same_origin: bool) -> bool {
  match credentials {
    Some("include") => true,
    Some("omit") => false,
    Some("same-origin") => same_origin,
    _ => use_session_cookies,
  }
}

/// Whether any hop of a request could use the store (`same-origin` depends on the hop).
pub fn may_use(credentials: Option<&str>, use_session_cookies: bool) -> bool {
  match credentials {
    Some("include") | Some("same-origin") => true,
    Some("omit") => false,
    _ => use_session_cookies,
  }
}

/// What a request's cookie decisions depend on across its hops.
pub struct RequestCookies {
  /// Every URL so far; the last is the current hop's.
  chain: Vec<Url>,
  /// Electron makes the request's own URL its site-for-cookies (`SimpleURLLoaderWrapper`), and
  /// it stays that across redirects (reference §6).
  site_for_cookies: Url,
  /// The `origin` option's origin (Chromium's `request_initiator`); `None`: browser-initiated.
  initiator: Option<url::Origin>,
}

impl RequestCookies {
  pub fn new(url: &Url, origin_option: Option<&str>) -> RequestCookies {
    RequestCookies {
      chain: vec![url.clone()],
      site_for_cookies: url.clone(),
      // An `origin` that does not parse is an opaque origin: cross-site with everything.
      initiator: origin_option.map(|o| {
        Url::parse(o)
          .map(|u| u.origin())
          .unwrap_or_else(|_| url::Origin::new_opaque())
      }),
    }
  }

  /// The next hop goes to `url`.
  pub fn redirected(&mut self, url: &Url) {
    self.chain.push(url.clone());
  }

  /// The `Cookie` value for the current hop, if the store has cookies for it.
  pub fn header(&self, store: &CookieStore, url: &Url) -> Option<String> {
    let context = context_for_request(&self.chain, &self.site_for_cookies, self.initiator.as_ref());
    let now = crate::request::cookies::canonical::Time::now();
    store.with_jar(|jar, changes| jar.cookie_header(url, context, now, changes))
  }

  /// Stores the current hop's `Set-Cookie` lines.
  pub fn store_response<'a>(
    &self,
    store: &CookieStore,
    url: &Url,
    set_cookie: impl Iterator<Item = &'a str>,
  ) {
    let lines: Vec<&str> = set_cookie.collect();
    if lines.is_empty() {
      return;
    }
    let context =
      context_for_response(&self.chain, &self.site_for_cookies, self.initiator.as_ref());
    let now = crate::request::cookies::canonical::Time::now();
    store.with_jar(|jar, changes| jar.set_from_response(url, &lines, context, now, changes));
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_credentials_matrix_decides() {
    assert!(!enabled(None, false, false));
    assert!(enabled(None, true, false));
    assert!(enabled(Some("include"), false, false));
    assert!(!enabled(Some("omit"), true, true));
    assert!(enabled(Some("same-origin"), false, true));
    assert!(!enabled(Some("same-origin"), true, false));
  }
}
