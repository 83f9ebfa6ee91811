//! Parsing `WWW-Authenticate` / `Proxy-Authenticate` into challenges and choosing the one we
//! answer.

use crate::wire::syntax;

/// One challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
  /// Lower-case scheme name, as Electron reports it in `authInfo.scheme`.
  pub scheme: String,
  /// `''` when the challenge has none.
  pub realm: String,
  /// The challenge's parameters as received, for the Digest computation.
  pub(super) params: String,
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
      if !first.contains('=') && syntax::is_token(first) {
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

pub(super) fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
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

pub(super) fn unquote(v: &str) -> String {
  match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
    Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
    None => v.to_string(),
  }
}

pub(super) fn digest_header(ch: &Challenge) -> Option<digest_auth::WwwAuthenticateHeader> {
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
