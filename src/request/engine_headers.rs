//! The headers the engine adds to a hop around the caller's (reference §2.3, §8): cache mode,
//! credentials, Sec-Fetch-*, User-Agent, Accept-Encoding, Accept-Language, and HTTP/2's
//! `priority`.

use url::Url;

use crate::request::auth::attempt::{self, AuthAttempt};
use crate::request::decoding;
use crate::request::fetch_metadata;
use crate::request::headers;
use crate::request::session::SessionInner;
use crate::wire::headers::{self as wire_headers, EngineHeader, EngineHeaders};
use crate::wire::origin::Origin;
use crate::wire::syntax;

/// The RFC 9218 `priority` value for Chromium's priority names (reference §8.3).
pub fn priority_header(priority: Option<&str>, incremental: Option<bool>) -> Option<&'static str> {
  let incremental = incremental.unwrap_or(true);
  // Computed for every request: a table of fixed text, not a `format!`.
  let (with_i, without_i) = match priority.unwrap_or("idle") {
    "throttled" => ("u=5, i", "u=5"),
    "lowest" => return incremental.then_some("i"),
    "low" => ("u=2, i", "u=2"),
    "medium" => ("u=1, i", "u=1"),
    "highest" => ("u=0, i", "u=0"),
    _ => ("u=4, i", "u=4"),
  };
  Some(if incremental { with_i } else { without_i })
}

/// `'en-US,fr,de'` -> `en-US,fr;q=0.9,de;q=0.8`, as Chromium expands `setUserAgent`'s languages.
pub fn expand_accept_language(languages: &str) -> String {
  syntax::list_items(languages)
    .enumerate()
    .map(|(i, lang)| {
      if i == 0 {
        lang.to_string()
      } else {
        let q = (10 - i.min(9)) as f32 / 10.0;
        format!("{lang};q={q:.1}")
      }
    })
    .collect::<Vec<_>>()
    .join(",")
}

/// The engine's headers for one hop and whether the body will need decoding.
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
pub fn for_hop(
  session: &SessionInner,
  origin: &Origin,
  url: &Url,
  method: &str,
  user: &[(String, String)],
  sec_fetch: Vec<EngineHeader>,
  attempt: Option<&mut AuthAttempt>,
  omit_credentials: bool,
  cache: Option<&str>,
) -> (EngineHeaders, bool) {
  let mut engine = EngineHeaders {
    first: headers::cache_mode_headers(cache),
    last: Vec::new(),
  };
  if !omit_credentials && !wire_headers::has(user, "authorization") {
    if let Some(value) = attempt::authorization(&session.auth, attempt, origin, url, method) {
      engine.first.push(("Authorization", value.into()));
    }
  }
  engine.last = sec_fetch;
  engine
    .last
    .push(("User-Agent", session.user_agent().into()));
  let decodes = !wire_headers::has(user, "accept-encoding");
  if decodes {
    let secure_or_local = fetch_metadata::potentially_trustworthy(url);
    let value = decoding::accept_encoding(secure_or_local, wire_headers::has(user, "range"));
    engine.last.push(("Accept-Encoding", value.into()));
  }
  if let Some(languages) = session.accept_languages() {
    engine
      .last
      .push(("Accept-Language", expand_accept_language(&languages).into()));
  }
  (engine, decodes)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn priority_values_follow_the_reference_table() {
    assert_eq!(priority_header(None, None), Some("u=4, i"));
    assert_eq!(priority_header(Some("throttled"), Some(false)), Some("u=5"));
    assert_eq!(priority_header(Some("lowest"), Some(true)), Some("i"));
    assert_eq!(priority_header(Some("lowest"), Some(false)), None);
    assert_eq!(priority_header(Some("highest"), None), Some("u=0, i"));
    assert_eq!(priority_header(Some("medium"), Some(false)), Some("u=1"));
    assert_eq!(priority_header(Some("low"), Some(true)), Some("u=2, i"));
  }

  #[test]
  fn accept_language_gets_q_values() {
    assert_eq!(
      expand_accept_language("en-US,fr,de"),
      "en-US,fr;q=0.9,de;q=0.8"
    );
    assert_eq!(expand_accept_language("en"), "en");
  }
}
