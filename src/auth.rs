//! HTTP authentication (RFC 9110 §11): parsing `WWW-Authenticate` / `Proxy-Authenticate`,
//! choosing a scheme we speak (Digest per RFC 7616 with MD5 or SHA-256, then Basic per RFC 7617),
//! building the `Authorization` value, and the session's auth cache.
//!
//! Digest arithmetic comes from the `digest_auth` crate; this module owns the challenge parsing
//! (a header may hold several challenges, which that crate does not split).

use std::sync::Mutex;

use base64::Engine as _;

use crate::errors::NetError;
use crate::pool::Origin;

/// One challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
  /// Lower-case scheme name, as Electron reports it in `authInfo.scheme`.
  pub scheme: String,
  /// `''` when the challenge has none.
  pub realm: String,
  /// The challenge's parameters as received, for the Digest computation.
  params: String,
}

/// Splits header values into challenges. Each value is a comma-separated list in which a new
/// challenge starts at an item beginning with a bare token (`Basic realm="a", Digest ...`).
pub fn parse_challenges<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Challenge> {
  let mut out: Vec<(String, Vec<String>)> = Vec::new();
  for value in values {
    for item in split_outside_quotes(value, ',') {
      let item = item.trim();
      if item.is_empty() {
        continue;
      }
      let (first, rest) = match item.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&item[..i], item[i..].trim()),
        None => (item, ""),
      };
      if !first.contains('=') && is_token(first) {
        let mut params = Vec::new();
        if !rest.is_empty() {
          params.push(rest.to_string());
        }
        out.push((first.to_ascii_lowercase(), params));
      } else if let Some((_, params)) = out.last_mut() {
        params.push(item.to_string());
      }
    }
  }
  out
    .into_iter()
    .map(|(scheme, params)| {
      let realm = params
        .iter()
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("realm"))
        .map(|(_, v)| unquote(v.trim()))
        .unwrap_or_default();
      Challenge {
        scheme,
        realm,
        params: params.join(", "),
      }
    })
    .collect()
}

fn is_token(s: &str) -> bool {
  !s.is_empty()
    && s
      .bytes()
      .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
  let mut parts = Vec::new();
  let mut start = 0;
  let mut quoted = false;
  let mut escaped = false;
  for (i, c) in s.char_indices() {
    if escaped {
      escaped = false;
    } else if quoted && c == '\\' {
      escaped = true;
    } else if c == '"' {
      quoted = !quoted;
    } else if c == sep && !quoted {
      parts.push(&s[start..i]);
      start = i + c.len_utf8();
    }
  }
  parts.push(&s[start..]);
  parts
}

fn unquote(v: &str) -> String {
  match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
    Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
    None => v.to_string(),
  }
}

fn digest_header(ch: &Challenge) -> Option<digest_auth::WwwAuthenticateHeader> {
  // digest_auth 0.3 slices its input by char index and panics on non-ASCII (found by the
  // property tests); RFC 7616 parameters are ASCII, so anything else is not a usable challenge.
  if !ch.params.is_ascii() {
    return None;
  }
  digest_auth::WwwAuthenticateHeader::parse(&ch.params).ok()
}

/// The strongest challenge we can answer: Digest SHA-256, Digest MD5, then Basic.
pub fn choose(challenges: &[Challenge]) -> Option<Challenge> {
  let rank = |ch: &Challenge| -> Option<u8> {
    match ch.scheme.as_str() {
      "digest" => {
        let header = digest_header(ch)?;
        let auth_only = header
          .qop
          .as_ref()
          .is_none_or(|q| q.iter().any(|q| matches!(q, digest_auth::Qop::AUTH)));
        if !auth_only {
          return None;
        }
        Some(match header.algorithm.algo {
          digest_auth::AlgorithmType::MD5 => 2,
          _ => 3,
        })
      }
      "basic" => Some(1),
      _ => None,
    }
  };
  challenges
    .iter()
    .filter_map(|ch| rank(ch).map(|r| (r, ch)))
    .max_by_key(|(r, _)| *r)
    .map(|(_, ch)| ch.clone())
}

/// User name and password given by `'login'`, the URL, or the auth cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
  pub username: String,
  pub password: String,
}

/// How to answer one protection space; Digest keeps its server state (nonce, count).
#[derive(Debug, Clone)]
pub enum Answer {
  Basic,
  Digest(Box<digest_auth::WwwAuthenticateHeader>),
}

impl Answer {
  pub fn for_challenge(ch: &Challenge) -> Option<Answer> {
    match ch.scheme.as_str() {
      "basic" => Some(Answer::Basic),
      "digest" => digest_header(ch).map(|h| Answer::Digest(Box::new(h))),
      _ => None,
    }
  }

  /// The `Authorization` value for `method` on `uri` (the request target).
  pub fn header_value(
    &mut self,
    creds: &Credentials,
    method: &str,
    uri: &str,
  ) -> Result<String, NetError> {
    match self {
      Answer::Basic => {
        let raw = format!("{}:{}", creds.username, creds.password);
        Ok(format!(
          "Basic {}",
          base64::engine::general_purpose::STANDARD.encode(raw)
        ))
      }
      Answer::Digest(header) => {
        let context = digest_auth::AuthContext::new_with_method(
          creds.username.as_str(),
          creds.password.as_str(),
          uri,
          Option::<&[u8]>::None,
          digest_auth::HttpMethod::from(method.to_string()),
        );
        header
          .respond(&context)
          .map(|h| h.to_header_string())
          .map_err(|_| NetError::ERR_INVALID_AUTH_CREDENTIALS)
      }
    }
  }
}

struct CacheEntry {
  origin: Origin,
  is_proxy: bool,
  realm: String,
  /// Paths at or below this directory get the credentials pre-emptively (RFC 7617 §2.2).
  path_prefix: String,
  creds: Credentials,
  answer: Answer,
}

/// A session's remembered credentials, by protection space (origin + realm).
#[derive(Default)]
pub struct AuthCache {
  entries: Mutex<Vec<CacheEntry>>,
}

/// The directory part of a path: `/a/b/c` -> `/a/b/`.
fn directory_of(path: &str) -> String {
  match path.rfind('/') {
    Some(i) => path[..=i].to_string(),
    None => "/".to_string(),
  }
}

impl AuthCache {
  pub fn store(
    &self,
    origin: &Origin,
    is_proxy: bool,
    realm: &str,
    path: &str,
    creds: Credentials,
    answer: Answer,
  ) {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let dir = directory_of(path);
    if let Some(e) = entries
      .iter_mut()
      .find(|e| &e.origin == origin && e.is_proxy == is_proxy && e.realm == realm)
    {
      // Keep the widest directory seen for this space (Chromium's `HttpAuthCache::Entry`).
      if e.path_prefix.starts_with(&dir) {
        e.path_prefix = dir;
      }
      e.creds = creds;
      e.answer = answer;
      return;
    }
    entries.push(CacheEntry {
      origin: origin.clone(),
      is_proxy,
      realm: realm.to_string(),
      path_prefix: dir,
      creds,
      answer,
    });
  }

  /// Pre-emptive `Authorization` for a request to `path` on `origin`, if a cached space covers it.
  pub fn preemptive(
    &self,
    origin: &Origin,
    path: &str,
    method: &str,
    target: &str,
  ) -> Option<(String, String)> {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let entry = entries
      .iter_mut()
      .filter(|e| &e.origin == origin && !e.is_proxy && path.starts_with(&e.path_prefix))
      .max_by_key(|e| e.path_prefix.len())?;
    let value = entry
      .answer
      .header_value(&entry.creds, method, target)
      .ok()?;
    Some((entry.realm.clone(), value))
  }

  /// Cached credentials for a protection space the server just challenged for.
  pub fn lookup(&self, origin: &Origin, is_proxy: bool, realm: &str) -> Option<Credentials> {
    let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    entries
      .iter()
      .find(|e| &e.origin == origin && e.is_proxy == is_proxy && e.realm == realm)
      .map(|e| e.creds.clone())
  }

  /// Forgets a space whose credentials the server rejected.
  pub fn remove(&self, origin: &Origin, is_proxy: bool, realm: &str) {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    entries.retain(|e| !(&e.origin == origin && e.is_proxy == is_proxy && e.realm == realm));
  }

  pub fn clear(&self) {
    self
      .entries
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn parses_several_challenges_in_one_header() {
    let chs = parse_challenges(
      [r#"Basic realm="a, b", Digest realm="d", nonce="n", qop="auth", NTLM"#].into_iter(),
    );
    let schemes: Vec<_> = chs.iter().map(|c| c.scheme.as_str()).collect();
    assert_eq!(schemes, vec!["basic", "digest", "ntlm"]);
    assert_eq!(chs[0].realm, "a, b");
    assert_eq!(chs[1].realm, "d");
    assert_eq!(chs[2].realm, "");
  }

  #[test]
  fn parses_challenges_across_header_lines() {
    let chs = parse_challenges(["Negotiate", "basic realm=plain"].into_iter());
    assert_eq!(chs.len(), 2);
    assert_eq!(chs[1].scheme, "basic");
    assert_eq!(chs[1].realm, "plain");
  }

  #[test]
  fn chooses_the_strongest_supported_scheme() {
    let chs = parse_challenges(
      [
        r#"Basic realm="r""#,
        r#"Digest realm="r", nonce="n", qop="auth", algorithm=MD5"#,
        r#"Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256"#,
      ]
      .into_iter(),
    );
    let chosen = choose(&chs).unwrap();
    assert!(chosen.params.contains("SHA-256"));
    assert_eq!(choose(&parse_challenges(["Negotiate"].into_iter())), None);
  }

  #[test]
  fn non_ascii_digest_challenge_is_ignored_not_a_panic() {
    let chs = parse_challenges([r#"Digest realm="¡𐀀", a=b, nonce="n""#].into_iter());
    assert_eq!(choose(&chs), None);
  }

  #[test]
  fn basic_header_is_base64_of_user_colon_pass() {
    let creds = Credentials {
      username: "user".into(),
      password: "pass".into(),
    };
    let value = Answer::Basic.header_value(&creds, "GET", "/").unwrap();
    assert_eq!(value, "Basic dXNlcjpwYXNz");
  }

  #[test]
  fn digest_answer_matches_rfc_7616_shape() {
    let ch = &parse_challenges(
      [r#"Digest realm="http-auth@example.org", qop="auth", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#]
        .into_iter(),
    )[0];
    let mut answer = Answer::for_challenge(ch).unwrap();
    let creds = Credentials {
      username: "Mufasa".into(),
      password: "Circle of Life".into(),
    };
    let value = answer
      .header_value(&creds, "GET", "/dir/index.html")
      .unwrap();
    assert!(value.starts_with("Digest "), "{value}");
    assert!(value.contains(r#"username="Mufasa""#));
    assert!(value.contains("nc=00000001"));
    assert!(value.contains("algorithm=SHA-256"));
    let again = answer
      .header_value(&creds, "GET", "/dir/index.html")
      .unwrap();
    assert!(again.contains("nc=00000002"));
  }

  #[test]
  fn cache_covers_the_directory_and_below() {
    let cache = AuthCache::default();
    let origin = Origin {
      https: false,
      host: "a".into(),
      port: 80,
    };
    let creds = Credentials {
      username: "u".into(),
      password: "p".into(),
    };
    cache.store(
      &origin,
      false,
      "r",
      "/dir/page",
      creds.clone(),
      Answer::Basic,
    );
    assert!(cache
      .preemptive(&origin, "/dir/other", "GET", "/dir/other")
      .is_some());
    assert!(cache
      .preemptive(&origin, "/dir/sub/x", "GET", "/dir/sub/x")
      .is_some());
    assert!(cache
      .preemptive(&origin, "/elsewhere", "GET", "/elsewhere")
      .is_none());
    assert_eq!(cache.lookup(&origin, false, "r"), Some(creds));
    cache.clear();
    assert!(cache
      .preemptive(&origin, "/dir/other", "GET", "/dir/other")
      .is_none());
  }
}
