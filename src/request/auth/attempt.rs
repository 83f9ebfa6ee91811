//! A request's credentials in flight: what it is trying for a protection space, the
//! `Authorization` / `Proxy-Authorization` values of a hop, and credentials in its URL.

use url::Url;

use super::{Answer, AuthCache, Credentials, Tried};
use crate::wire::origin::{self, Origin, Target};

/// Credentials being tried for a protection space on this request.
pub struct AuthAttempt {
  /// The server's origin, or the proxy's address for proxy credentials.
  pub origin: Origin,
  pub is_proxy: bool,
  pub tried: Tried,
  pub answer: Answer,
}

/// `Authorization` for this hop: the credentials being tried, else cached ones for the space,
/// sent pre-emptively (RFC 7617 §2.2).
pub fn authorization(
  cache: &AuthCache,
  attempt: Option<&mut AuthAttempt>,
  origin: &Origin,
  url: &Url,
  method: &str,
) -> Option<String> {
  let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
  match attempt {
    Some(a) => a.answer.header_value(&a.tried.creds, method, target).ok(),
    None => cache
      .preemptive(origin, url.path(), method, target)
      .map(|(_, v)| v),
  }
}

/// `Proxy-Authorization` for this hop: the credentials being tried for the proxy, else
/// cached ones, sent pre-emptively (also under `omit`, reference §7.1). Digest signs
/// `CONNECT host:port` for a tunnel, else the method and path, as Chromium's
/// `HttpAuthHandlerDigest::GetRequestMethodAndPath` does.
pub fn proxy_authorization(
  cache: &AuthCache,
  space: &Origin,
  attempt: Option<&mut AuthAttempt>,
  target: &Target,
  method: &str,
  url: &Url,
) -> Option<String> {
  let authority = origin::authority(&target.origin);
  let (method, uri) = if target.tunnels() {
    ("CONNECT", authority.as_str())
  } else {
    (
      method,
      &url[url::Position::BeforePath..url::Position::AfterQuery],
    )
  };
  // Credentials being tried belong to the proxy that asked: if this hop goes to another one
  // (a redirect, or setProxy() while 'login' was pending), they stay behind.
  match attempt.filter(|a| a.origin == *space) {
    Some(a) => a.answer.header_value(&a.tried.creds, method, uri).ok(),
    None => cache.preemptive_proxy(space, method, uri),
  }
}

/// Remembers credentials the server (or proxy) accepted for their protection space, covering
/// the directory of `path` (where they were accepted) and below; proxy spaces have no path.
pub fn remember(cache: &AuthCache, done: AuthAttempt, path: &str) {
  cache.store(
    &done.origin,
    done.is_proxy,
    &done.tried.realm,
    path,
    done.tried.creds,
    done.answer,
  );
}

/// Removes `user:pass@` from `url`, returning them (percent-decoded).
pub fn take_userinfo(url: &mut Url) -> Option<Credentials> {
  if url.username().is_empty() && url.password().is_none() {
    return None;
  }
  let decode = |s: &str| {
    percent_encoding::percent_decode_str(s)
      .decode_utf8_lossy()
      .into_owned()
  };
  let creds = Credentials {
    username: decode(url.username()),
    password: decode(url.password().unwrap_or("")),
  };
  let _ = url.set_username("");
  let _ = url.set_password(None);
  Some(creds)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn userinfo_is_taken_out_of_the_url() {
    let mut url = Url::parse("http://us%40er:p%3Ass@host/x").unwrap();
    let creds = take_userinfo(&mut url).unwrap();
    assert_eq!(creds.username, "us@er");
    assert_eq!(creds.password, "p:ss");
    assert_eq!(url.as_str(), "http://host/x");
    assert!(take_userinfo(&mut url).is_none());
  }
}
