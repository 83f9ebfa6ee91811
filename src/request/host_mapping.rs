//! Chromium's `--host-resolver-rules` (net/base/host_mapping_rules.cc, read by
//! `MappedHostResolver`): rules that send a name somewhere else before it is resolved, e.g.
//! `MAP wpad 127.0.0.1:8080, MAP *.test 127.0.0.1, EXCLUDE api.test`. Only where a connection
//! goes changes: the URL, the `Host` header, TLS server name and certificate checks keep the
//! name the request was made for.
//!
//! The syntax is Chromium's `SetRulesFromString`: comma-separated rules, each
//! `MAP <pattern> <host>[:<port>]` or `EXCLUDE <pattern>` (keywords in any case, patterns
//! lower-cased); a rule that does not parse is skipped (Chromium logs it, we hand it back so
//! JS can warn). `RewriteHost`: the first MAP whose pattern matches the host, or `host:port`,
//! applies, unless an EXCLUDE pattern matches the host; the host `~NOTFOUND` means the name does
//! not resolve (`ERR_NAME_NOT_RESOLVED`).

use crate::errors::NetError;

/// The replacement host that makes a name fail to resolve (Chromium's `kNoResolveIdentifier`).
const NOT_FOUND: &str = "~NOTFOUND";

#[derive(Debug, Clone, PartialEq, Eq)]
struct MapRule {
  pattern: String,
  host: String,
  port: Option<u16>,
}

/// A parsed rule string; the default maps nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostMappingRules {
  maps: Vec<MapRule>,
  exclusions: Vec<String>,
}

/// Rules parsed from a string, and the ones that did not parse.
pub struct Parsed {
  pub rules: HostMappingRules,
  pub rejected: Vec<String>,
}

impl HostMappingRules {
  /// `SetRulesFromString`.
  pub fn parse(text: &str) -> Parsed {
    let mut rules = HostMappingRules::default();
    let mut rejected = Vec::new();
    for rule in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
      if !rules.add(rule) {
        rejected.push(rule.to_string());
      }
    }
    Parsed { rules, rejected }
  }

  /// `AddRuleFromString`: the rule split on single spaces (so two spaces make an empty part,
  /// which fails the part count, as in Chromium).
  fn add(&mut self, rule: &str) -> bool {
    let parts: Vec<&str> = rule.split(' ').map(str::trim).collect();
    match parts.as_slice() {
      [keyword, pattern] if keyword.eq_ignore_ascii_case("exclude") => {
        self.exclusions.push(pattern.to_ascii_lowercase());
        true
      }
      [keyword, pattern, replacement] if keyword.eq_ignore_ascii_case("map") => {
        match parse_host_and_port(replacement) {
          Some((host, port)) => {
            self.maps.push(MapRule {
              pattern: pattern.to_ascii_lowercase(),
              host,
              port,
            });
            true
          }
          None => false,
        }
      }
      _ => false,
    }
  }

  pub fn is_empty(&self) -> bool {
    self.maps.is_empty()
  }

  /// Where a connection to `host:port` goes: `Ok(None)` when no rule applies, the new host and
  /// port when one does, `ERR_NAME_NOT_RESOLVED` for `~NOTFOUND`. `host` may be an IPv6 literal
  /// in brackets (as URLs write it); patterns see it without them, `host:port` with them, as
  /// Chromium's `HostPortPair` shows it.
  pub fn rewrite(&self, host: &str, port: u16) -> Result<Option<(String, u16)>, NetError> {
    if self.is_empty() {
      return Ok(None);
    }
    let bare = host
      .strip_prefix('[')
      .and_then(|h| h.strip_suffix(']'))
      .unwrap_or(host);
    let host_port = if bare.contains(':') {
      format!("[{bare}]:{port}")
    } else {
      format!("{bare}:{port}")
    };
    for rule in &self.maps {
      if !match_pattern(bare, &rule.pattern) && !match_pattern(&host_port, &rule.pattern) {
        continue;
      }
      if self.exclusions.iter().any(|p| match_pattern(bare, p)) {
        return Ok(None);
      }
      if rule.host == NOT_FOUND {
        return Err(NetError::ERR_NAME_NOT_RESOLVED);
      }
      return Ok(Some((rule.host.clone(), rule.port.unwrap_or(port))));
    }
    Ok(None)
  }
}

/// Chromium's `ParseHostAndPort` (net/base/url_util.cc): `host`, `host:port`, `[v6]` or
/// `[v6]:port`; no user info, a non-empty host, a port 0-65535 if written. The brackets of an
/// IPv6 literal are kept (our resolver reads them), a bracketed host must be an IPv6 address.
fn parse_host_and_port(text: &str) -> Option<(String, Option<u16>)> {
  if text.is_empty() || text.contains('@') || text.contains('/') {
    return None;
  }
  let (host, port) = if let Some(rest) = text.strip_prefix('[') {
    let end = rest.find(']')?;
    let (inner, after) = (&rest[..end], &rest[end + 1..]);
    inner.parse::<std::net::Ipv6Addr>().ok()?;
    let port = match after {
      "" => None,
      _ => Some(after.strip_prefix(':')?),
    };
    (&text[..end + 2], port)
  } else {
    match text.rsplit_once(':') {
      Some((host, port)) => (host, Some(port)),
      None => (text, None),
    }
  };
  if host.is_empty() || host.contains(':') && !host.starts_with('[') {
    return None;
  }
  let port = match port {
    // `host:` is a host with no port, as url::ParsePort reads an empty port.
    Some("") | None => None,
    Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse().ok()?),
    Some(_) => return None,
  };
  Some((host.to_string(), port))
}

/// `base::MatchPattern`: `*` matches any run of characters, `?` zero or one, `\` escapes the
/// next one; case-sensitive (hosts are lower case, and so are the patterns). A table over
/// (text position, pattern position), so no pattern costs more than their product.
pub fn match_pattern(text: &str, pattern: &str) -> bool {
  let text: Vec<char> = text.chars().collect();
  let tokens = tokens(pattern);
  // `reach[i]`: the pattern read so far can have consumed exactly `text[..i]`.
  let mut reach = vec![false; text.len() + 1];
  reach[0] = true;
  for token in &tokens {
    let mut next = vec![false; text.len() + 1];
    for i in 0..=text.len() {
      if !reach[i] {
        continue;
      }
      match token {
        Token::Any => next[i..].iter_mut().for_each(|r| *r = true),
        Token::ZeroOrOne => {
          next[i] = true;
          if i < text.len() {
            next[i + 1] = true;
          }
        }
        Token::Char(c) => {
          if text.get(i) == Some(c) {
            next[i + 1] = true;
          }
        }
      }
    }
    reach = next;
  }
  reach[text.len()]
}

enum Token {
  Any,
  ZeroOrOne,
  Char(char),
}

fn tokens(pattern: &str) -> Vec<Token> {
  let mut out = Vec::new();
  let mut chars = pattern.chars();
  while let Some(c) = chars.next() {
    out.push(match c {
      '*' => Token::Any,
      '?' => Token::ZeroOrOne,
      // A trailing backslash is itself (base::MatchPattern's escape needs a next character).
      '\\' => Token::Char(chars.next().unwrap_or('\\')),
      c => Token::Char(c),
    });
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn rules(text: &str) -> HostMappingRules {
    let parsed = HostMappingRules::parse(text);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    parsed.rules
  }

  fn to(host: &str, port: u16) -> Result<Option<(String, u16)>, NetError> {
    Ok(Some((host.to_string(), port)))
  }

  // Chromium's host_mapping_rules_unittest.cc, SetRulesFromString.
  #[test]
  fn chromium_set_rules_from_string() {
    let r = rules("map *.com baz , map *.net bar:60, EXCLUDE *.foo.com");
    assert_eq!(r.rewrite("test", 1234), Ok(None));
    assert_eq!(r.rewrite("chrome.net", 80), to("bar", 60));
    assert_eq!(r.rewrite("crack.com", 80), to("baz", 80));
    assert_eq!(r.rewrite("wtf.foo.com", 666), Ok(None));
  }

  // PortSpecificMatching: a pattern with a port matches `host:port` only.
  #[test]
  fn chromium_port_specific_matching() {
    let r = rules("map *.com:80 baz:111 , map *.com:443 blat:333, EXCLUDE *.foo.com");
    assert_eq!(r.rewrite("test.com", 1234), Ok(None));
    assert_eq!(r.rewrite("crack.com", 80), to("baz", 111));
    assert_eq!(r.rewrite("wtf.com", 443), to("blat", 333));
    assert_eq!(r.rewrite("wtf.foo.com", 443), Ok(None));
  }

  // ParseInvalidRules and IPv6 replacements.
  #[test]
  fn invalid_rules_are_handed_back_and_the_rest_apply() {
    let parsed = HostMappingRules::parse(
      "xyz, , map  a b, map a b c, map a [x]:1, map a b:port, map a b:99999, exclude, map x y",
    );
    assert_eq!(
      parsed.rejected,
      [
        "xyz",
        "map  a b",
        "map a b c",
        "map a [x]:1",
        "map a b:port",
        "map a b:99999",
        "exclude"
      ]
    );
    assert_eq!(parsed.rules.rewrite("x", 80), to("y", 80));
    let r = rules("MAP v6.test [::1]:8080, MAP ::2 127.0.0.1, MAP [::3]:80 127.0.0.3");
    assert_eq!(r.rewrite("v6.test", 80), to("[::1]", 8080));
    // Patterns see an IPv6 host bare, and `host:port` bracketed, as `HostPortPair` does.
    assert_eq!(r.rewrite("[::2]", 80), to("127.0.0.1", 80));
    assert_eq!(r.rewrite("[::3]", 80), to("127.0.0.3", 80));
    assert_eq!(r.rewrite("[::3]", 81), Ok(None));
  }

  #[test]
  fn not_found_fails_the_name_and_the_first_matching_rule_wins() {
    let r = rules("MAP *.blocked ~NOTFOUND, MAP * 127.0.0.1:9, MAP never 10.0.0.1");
    assert_eq!(
      r.rewrite("a.blocked", 443),
      Err(NetError::ERR_NAME_NOT_RESOLVED)
    );
    assert_eq!(r.rewrite("never", 80), to("127.0.0.1", 9));
    assert!(HostMappingRules::parse("").rules.is_empty());
  }

  #[test]
  fn patterns_are_base_match_pattern() {
    assert!(match_pattern("www.example.com", "*.example.com"));
    assert!(!match_pattern("example.com", "*.example.com"));
    assert!(match_pattern("ab", "a?b"));
    assert!(match_pattern("axb", "a?b"));
    assert!(!match_pattern("axxb", "a?b"));
    assert!(match_pattern("a*b", "a\\*b"));
    assert!(!match_pattern("axb", "a\\*b"));
    assert!(match_pattern("anything", "***"));
    // Many stars against a long name stays quick (no backtracking).
    assert!(!match_pattern(&"a".repeat(250), &"*a*b".repeat(40)));
  }
}
