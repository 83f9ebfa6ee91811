//! HTTP's shared grammar pieces (RFC 9110 §5.6): tokens and comma-separated lists.

/// RFC 9110 §5.6.2 `tchar`.
pub fn is_tchar(b: u8) -> bool {
  b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9110 §5.6.2 `token`: one or more `tchar`.
pub fn is_token(s: &str) -> bool {
  !s.is_empty() && s.bytes().all(is_tchar)
}

/// The non-empty items of a comma-separated list (RFC 9110 §5.6.1), trimmed of white space.
pub fn list_items(value: &str) -> impl Iterator<Item = &str> {
  value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// Whether any of `values` (a header's values) lists `token`, compared case-insensitively.
pub fn lists_token<'a>(mut values: impl Iterator<Item = &'a str>, token: &str) -> bool {
  values.any(|v| list_items(v).any(|t| t.eq_ignore_ascii_case(token)))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn tokens_and_lists() {
    assert!(is_token("GET") && is_token("x-a!#$%&'*+-.^_`|~1"));
    assert!(!is_token("") && !is_token("a b") && !is_token("a:b") && !is_token("é"));
    assert_eq!(list_items(" a, ,b ,").collect::<Vec<_>>(), ["a", "b"]);
    assert!(lists_token(
      ["gzip", "keep-alive, Close"].into_iter(),
      "close"
    ));
    assert!(!lists_token(["closed"].into_iter(), "close"));
  }
}
