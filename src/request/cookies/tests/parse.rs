//! ParsedCookie (net/cookies/parsed_cookie.cc) and its unit tests' cases.
use crate::request::cookies::canonical::{Priority, SameSite};
use crate::request::cookies::parse::{parse_token_string, parse_value_string, ParsedCookie};
use crate::request::cookies::status::{Exclusion, Status, Warning};

fn parse(line: &str) -> Result<ParsedCookie, Status> {
  let mut s = Status::include();
  ParsedCookie::parse(line, &mut s).ok_or(s)
}

#[test]
fn trims_white_space_around_name_value_and_attributes() {
  let pc = parse(" a = b c ; Path = /x ;secure").unwrap();
  assert_eq!((pc.name(), pc.value(), pc.path()), ("a", "b c", Some("/x")));
  assert!(pc.is_secure());
}

#[test]
fn lone_token_is_a_value_with_an_empty_name() {
  let pc = parse("v; path=/").unwrap();
  assert_eq!((pc.name(), pc.value()), ("", "v"));
  let pc = parse("=v").unwrap();
  assert_eq!((pc.name(), pc.value()), ("", "v"));
  let pc = parse("n=").unwrap();
  assert_eq!((pc.name(), pc.value()), ("n", ""));
}

#[test]
fn value_keeps_equals_and_quotes() {
  let pc = parse("a=b=c; x").unwrap();
  assert_eq!(pc.value(), "b=c");
  let pc = parse("a=\"q\"").unwrap();
  assert_eq!(pc.value(), "\"q\"");
}

#[test]
fn empty_or_blank_line_has_no_content() {
  assert!(parse("").unwrap_err().has(Exclusion::NoCookieContent));
  assert!(parse("   ").unwrap_err().has(Exclusion::NoCookieContent));
  assert!(parse("=").unwrap_err().has(Exclusion::NoCookieContent));
}

#[test]
fn control_characters_reject_the_cookie() {
  for line in [
    "a=b\x01c",
    "a\x7f=b",
    "a=b; path=/\x02",
    "a\tb=c",
    "a=b\nc",
    "a=b\r",
    "a=b\0",
  ] {
    assert!(
      parse(line).unwrap_err().has(Exclusion::DisallowedCharacter),
      "{line:?}"
    );
  }
  // A tab around the value is white space, not part of it.
  assert_eq!(parse("a=\tb\t").unwrap().value(), "b");
}

#[test]
fn name_plus_value_limit_is_4096_bytes() {
  let ok = format!("a={}", "v".repeat(4095));
  assert!(parse(&ok).is_ok());
  let too_long = format!("a={}", "v".repeat(4096));
  assert!(parse(&too_long)
    .unwrap_err()
    .has(Exclusion::NameValuePairExceedsMaxSize));
}

#[test]
fn over_long_attribute_is_ignored_not_the_cookie() {
  let mut s = Status::include();
  let pc = ParsedCookie::parse(
    &format!("a=b; path=/ok; path=/{}", "p".repeat(1024)),
    &mut s,
  )
  .unwrap();
  assert_eq!(pc.path(), Some("/ok"));
  assert!(s.has_warning(Warning::AttributeValueExceedsMaxSize));
}

#[test]
fn last_duplicate_attribute_wins_and_names_are_case_insensitive() {
  let pc =
    parse("a=b; PATH=/one; Path=/two; SameSite=Strict; samesite=LAX; Priority=HIGH").unwrap();
  assert_eq!(pc.path(), Some("/two"));
  assert_eq!(pc.same_site(), SameSite::Lax);
  assert_eq!(pc.priority(), Priority::High);
}

#[test]
fn unknown_attributes_and_values_are_ignored() {
  let pc = parse("a=b; foo=bar; SameSite=bogus; Priority=urgent; HttpOnly").unwrap();
  assert_eq!(pc.same_site(), SameSite::Unspecified);
  assert_eq!(pc.priority(), Priority::Medium);
  assert!(pc.is_http_only());
  assert_eq!(
    parse("a=b; samesite=none").unwrap().same_site(),
    SameSite::NoRestriction
  );
}

#[test]
fn token_and_value_strings() {
  assert_eq!(parse_token_string(" a b "), "a b");
  assert_eq!(parse_token_string("a=b"), "a");
  assert_eq!(parse_value_string("test;test"), "test");
  assert_eq!(parse_value_string(" x "), "x");
}
