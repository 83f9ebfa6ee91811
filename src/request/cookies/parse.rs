//! One `Set-Cookie` line, split as Chromium's `ParsedCookie` does (net/cookies/parsed_cookie.cc).
//!
//! This is ours, not the `cookie` crate's: that crate requires `name=value` (Chromium takes a lone
//! `v` as a value with an empty name), trims and splits differently, has no `Priority`, keeps no
//! "last attribute wins" index, does not reject control characters or apply Chromium's size
//! limits, and parses `Expires` with fixed formats instead of RFC 6265 §5.1.1's lenient algorithm
//! (see `rules::parse_expiration_time`). Every one of those differences is visible to a server or
//! to `ses.cookies`, so the whole parse follows Chromium line by line. The parser works on bytes:
//! every separator is ASCII, so each slice it cuts is valid UTF-8.

use super::canonical::{Priority, SameSite};
use super::status::{Exclusion, Status, Warning};

/// net/cookies/cookie_constants.h `kMaxCookieNamePlusValueSize`.
pub const MAX_NAME_PLUS_VALUE: usize = 4096;
/// net/cookies/cookie_constants.h `kMaxCookieAttributeValueSize`.
pub const MAX_ATTRIBUTE_VALUE: usize = 1024;

fn is_ws(c: u8) -> bool {
  c == b' ' || c == b'\t'
}

/// net/http/http_util.h `IsControlChar`.
fn is_control(c: u8) -> bool {
  c <= 0x1f || c == 0x7f
}

/// `FindFirstTerminator`: `\n`, `\r` or NUL end the line.
fn first_terminator(s: &[u8]) -> usize {
  s.iter()
    .position(|&c| c == b'\n' || c == b'\r' || c == 0)
    .unwrap_or(s.len())
}

/// `ParseToken`: skips leading white space, stops at `;` or `=`, trims trailing white space.
/// Leaves `it` at the separator. `None` when only white space is left.
fn parse_token(s: &[u8], it: &mut usize, end: usize) -> Option<(usize, usize)> {
  while *it < end && is_ws(s[*it]) {
    *it += 1;
  }
  if *it == end {
    return None;
  }
  let start = *it;
  while *it < end && s[*it] != b';' && s[*it] != b'=' {
    *it += 1;
  }
  let mut token_end = *it;
  if *it != start {
    let mut j = *it - 1;
    while j != start && is_ws(s[j]) {
      j -= 1;
    }
    token_end = j + 1;
  }
  Some((start, token_end))
}

/// `ParseValue`: skips leading white space, runs to `;` (`=` allowed), trims trailing white space.
fn parse_value(s: &[u8], it: &mut usize, end: usize) -> (usize, usize) {
  while *it < end && is_ws(s[*it]) {
    *it += 1;
  }
  let start = *it;
  while *it < end && s[*it] != b';' {
    *it += 1;
  }
  let mut value_end = *it;
  if value_end != start {
    let mut j = value_end - 1;
    while j != start && is_ws(s[j]) {
      j -= 1;
    }
    value_end = j + 1;
  }
  (start, value_end)
}

fn slice(s: &str, range: (usize, usize)) -> &str {
  &s[range.0..range.1]
}

/// `ParsedCookie::ParseTokenString`.
pub fn parse_token_string(token: &str) -> &str {
  let b = token.as_bytes();
  let end = first_terminator(b);
  let mut it = 0;
  match parse_token(b, &mut it, end) {
    Some(r) => slice(token, r),
    None => "",
  }
}

/// `ParsedCookie::ParseValueString`.
pub fn parse_value_string(value: &str) -> &str {
  let b = value.as_bytes();
  let end = first_terminator(b);
  let mut it = 0;
  slice(value, parse_value(b, &mut it, end))
}

/// `IsValidCookieName`: no control characters, `;` or `=`.
pub fn is_valid_name(name: &str) -> bool {
  !name
    .bytes()
    .any(|c| is_control(c) || c == b';' || c == b'=')
}

/// `IsValidCookieValue` (also the attribute value character set): no control characters or `;`.
pub fn is_valid_value(value: &str) -> bool {
  !value.bytes().any(|c| is_control(c) || c == b';')
}

/// `IsValidCookieNameValuePair`, adding Chromium's reason to `status` when it fails.
pub fn is_valid_name_value_pair(name: &str, value: &str, status: &mut Status) -> bool {
  if name.is_empty() && value.is_empty() {
    status.exclude(Exclusion::NoCookieContent);
    return false;
  }
  if name.len() + value.len() > MAX_NAME_PLUS_VALUE {
    status.exclude(Exclusion::NameValuePairExceedsMaxSize);
    return false;
  }
  if !is_valid_name(name) || !is_valid_value(value) {
    status.exclude(Exclusion::DisallowedCharacter);
    return false;
  }
  true
}

/// A parsed `Set-Cookie` line: the name/value pair then every attribute, names lower-cased.
/// For each known attribute the index of its LAST occurrence is kept (`SetupAttributes`), so a
/// repeated attribute's last value wins; unknown attributes are kept and ignored.
#[derive(Debug, Default)]
pub struct ParsedCookie {
  pairs: Vec<(String, String)>,
  path: usize,
  domain: usize,
  expires: usize,
  max_age: usize,
  secure: usize,
  http_only: usize,
  same_site: usize,
  priority: usize,
  partitioned: usize,
}

impl ParsedCookie {
  /// `ParsedCookie::ParsedCookie`. `None` (with the reason in `status`) when the line is refused.
  pub fn parse(line: &str, status: &mut Status) -> Option<ParsedCookie> {
    let pairs = parse_pairs(line, status)?;
    let mut pc = ParsedCookie {
      pairs,
      ..ParsedCookie::default()
    };
    for i in 1..pc.pairs.len() {
      let slot = match pc.pairs[i].0.as_str() {
        "path" => &mut pc.path,
        "domain" => &mut pc.domain,
        "expires" => &mut pc.expires,
        "max-age" => &mut pc.max_age,
        "secure" => &mut pc.secure,
        "httponly" => &mut pc.http_only,
        "samesite" => &mut pc.same_site,
        "priority" => &mut pc.priority,
        "partitioned" => &mut pc.partitioned,
        _ => continue,
      };
      *slot = i;
    }
    Some(pc)
  }

  pub fn name(&self) -> &str {
    &self.pairs[0].0
  }

  pub fn value(&self) -> &str {
    &self.pairs[0].1
  }

  fn attr(&self, index: usize) -> Option<&str> {
    (index != 0).then(|| self.pairs[index].1.as_str())
  }

  pub fn path(&self) -> Option<&str> {
    self.attr(self.path)
  }

  pub fn domain(&self) -> Option<&str> {
    self.attr(self.domain)
  }

  pub fn expires(&self) -> Option<&str> {
    self.attr(self.expires)
  }

  pub fn max_age(&self) -> Option<&str> {
    self.attr(self.max_age)
  }

  pub fn is_secure(&self) -> bool {
    self.secure != 0
  }

  pub fn is_http_only(&self) -> bool {
    self.http_only != 0
  }

  pub fn is_partitioned(&self) -> bool {
    self.partitioned != 0
  }

  /// `StringToCookieSameSite` (cookie_constants.cc): case-insensitive; anything unknown is
  /// `Unspecified`.
  pub fn same_site(&self) -> SameSite {
    match self.attr(self.same_site) {
      Some(v) if v.eq_ignore_ascii_case("none") => SameSite::NoRestriction,
      Some(v) if v.eq_ignore_ascii_case("lax") => SameSite::Lax,
      Some(v) if v.eq_ignore_ascii_case("strict") => SameSite::Strict,
      _ => SameSite::Unspecified,
    }
  }

  /// `StringToCookiePriority`: case-insensitive; anything else is the default, Medium.
  pub fn priority(&self) -> Priority {
    match self.attr(self.priority) {
      Some(v) if v.eq_ignore_ascii_case("low") => Priority::Low,
      Some(v) if v.eq_ignore_ascii_case("high") => Priority::High,
      _ => Priority::Medium,
    }
  }
}

/// `ParseTokenValuePairs`.
fn parse_pairs(line: &str, status: &mut Status) -> Option<Vec<(String, String)>> {
  let s = line.as_bytes();
  let end = first_terminator(s);
  // A line cut short by a terminator is refused rather than truncated.
  if end < s.len() {
    status.exclude(Exclusion::DisallowedCharacter);
    return None;
  }
  if end == 0 {
    status.exclude(Exclusion::NoCookieContent);
    return None;
  }
  let mut pairs: Vec<(String, String)> = Vec::new();
  let mut it = 0;
  let mut pair_num = 0;
  while it != end {
    let token = parse_token(s, &mut it, end);
    let token = match token {
      Some(t) => t,
      // Only the first pair may be all white space: it then parses as an empty value.
      None if pair_num == 0 => (0, 0),
      None => break,
    };
    let name: &str;
    if it == end || s[it] != b'=' {
      if pair_num == 0 {
        // A lone token is a value with an empty name (Mozilla bug 169091).
        name = "";
        it = token.0;
      } else {
        // `secure;` is an attribute name without a value.
        name = slice(line, token);
      }
    } else {
      name = slice(line, token);
      it += 1;
    }
    let value = slice(line, parse_value(s, &mut it, end));

    if pair_num == 0 {
      if !is_valid_name_value_pair(name, value, status) {
        return None;
      }
      pairs.push((name.to_string(), value.to_string()));
    } else {
      let name = name.to_ascii_lowercase();
      if !is_valid_name(&name) || !is_valid_value(value) {
        status.exclude(Exclusion::DisallowedCharacter);
        return None;
      }
      if value.len() > MAX_ATTRIBUTE_VALUE {
        // An over-long attribute is dropped, not the cookie.
        status.warn(Warning::AttributeValueExceedsMaxSize);
      } else {
        pairs.push((name, value.to_string()));
      }
    }
    if it != end {
      it += 1;
    }
    pair_num += 1;
  }
  Some(pairs)
}
