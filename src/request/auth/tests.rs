//! The auth rules against Chromium's and the RFCs' examples.

use super::challenge::{split_outside_quotes, unquote};
use super::*;
use crate::errors::NetError;
use crate::wire::origin::Origin;

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
fn digest_sha256_matches_the_rfc_7616_example() {
  // RFC 7616 §3.9.1, with the RFC's client nonce.
  let ch = &parse_challenges(
    [r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#]
      .into_iter(),
  )[0];
  let mut answer = Answer::for_challenge(ch).unwrap();
  let value = answer
    .header_value_with_cnonce(
      &mufasa(),
      "GET",
      "/dir/index.html",
      Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
    )
    .unwrap();
  let params = digest_params(&value);
  assert_eq!(
    params.get("response").map(String::as_str),
    Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    "{value}"
  );
  for (k, v) in [
    ("username", "Mufasa"),
    ("realm", "http-auth@example.org"),
    ("uri", "/dir/index.html"),
    ("nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
    ("nc", "00000001"),
    ("qop", "auth"),
    ("cnonce", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
    ("opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"),
    ("algorithm", "SHA-256"),
  ] {
    assert_eq!(params.get(k).map(String::as_str), Some(v), "{k} in {value}");
  }
}

#[test]
fn digest_md5_matches_the_rfc_7616_example() {
  let ch = &parse_challenges(
    [r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#]
      .into_iter(),
  )[0];
  let value = Answer::for_challenge(ch)
    .unwrap()
    .header_value_with_cnonce(
      &mufasa(),
      "GET",
      "/dir/index.html",
      Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
    )
    .unwrap();
  assert_eq!(
    digest_params(&value).get("response").map(String::as_str),
    Some("8ca523f5e9506fed4657c9700eebdbec")
  );
}

fn mufasa() -> Credentials {
  Credentials {
    username: "Mufasa".into(),
    password: "Circle of Life".into(),
  }
}

/// The parameters of an `Authorization: Digest ...` value, unquoted.
fn digest_params(value: &str) -> std::collections::HashMap<String, String> {
  let rest = value.strip_prefix("Digest ").expect("a Digest value");
  split_outside_quotes(rest, ',')
    .into_iter()
    .filter_map(|p| p.split_once('='))
    .map(|(k, v)| (k.trim().to_string(), unquote(v.trim())))
    .collect()
}

fn creds(user: &str) -> Credentials {
  Credentials {
    username: user.into(),
    password: "p".into(),
  }
}

fn basic() -> Vec<Challenge> {
  parse_challenges([r#"Basic realm="r""#].into_iter())
}

fn tried(realm: &str, user: &str, source: Source) -> Tried {
  Tried {
    realm: realm.into(),
    creds: creds(user),
    source,
  }
}

#[test]
fn step_407_fails_without_a_proxy_even_under_omit() {
  for omit in [false, true] {
    assert!(matches!(
      next_step(407, &basic(), false, omit, None, |_| None, None),
      Step::Fail(NetError::ERR_UNEXPECTED_PROXY_AUTH)
    ));
  }
}

#[test]
fn step_407_through_a_proxy_is_a_challenge_even_under_omit() {
  for omit in [false, true] {
    assert!(matches!(
      next_step(407, &basic(), true, omit, None, |_| None, None),
      Step::AskUser { .. }
    ));
    match next_step(407, &basic(), true, omit, None, |_| Some(creds("c")), None) {
      Step::Retry { source, .. } => assert_eq!(source, Source::Cache),
      other => panic!("{other:?}"),
    }
    // Wrong cached proxy credentials are forgotten, then the user is asked.
    let t = tried("r", "u", Source::Cache);
    assert!(matches!(
      next_step(407, &basic(), true, omit, None, |_| None, Some(&t)),
      Step::AskUser {
        forget_cached: true,
        ..
      }
    ));
  }
}

#[test]
fn proxy_credentials_are_sent_for_any_path_of_their_proxy_only() {
  let cache = AuthCache::default();
  let proxy = Origin {
    https: false,
    host: "p".into(),
    port: 3128,
  };
  cache.store(&proxy, true, "tinyproxy", "/", creds("u"), Answer::Basic);
  assert_eq!(
    cache
      .preemptive_proxy(&proxy, "CONNECT", "a:443")
      .as_deref(),
    Some("Basic dTpw")
  );
  let other = Origin {
    port: 3129,
    ..proxy.clone()
  };
  assert_eq!(cache.preemptive_proxy(&other, "GET", "/"), None);
  // A server entry for the same host and port is not a proxy entry, nor the reverse.
  assert!(cache.preemptive(&proxy, "/", "GET", "/").is_none());
}

#[test]
fn step_non_401_delivers_and_remembers_what_was_tried() {
  for status in [200, 204, 302, 404, 500] {
    assert!(matches!(
      next_step(status, &basic(), false, false, None, |_| None, None),
      Step::Deliver { remember: false }
    ));
    let t = tried("r", "u", Source::Login);
    assert!(matches!(
      next_step(status, &[], false, false, None, |_| None, Some(&t)),
      Step::Deliver { remember: true }
    ));
  }
}

#[test]
fn step_401_under_omit_or_unanswerable_is_delivered() {
  let url = creds("from-url");
  assert!(matches!(
    next_step(
      401,
      &basic(),
      false,
      true,
      Some(&url),
      |_| Some(creds("c")),
      None
    ),
    Step::Deliver { remember: false }
  ));
  let ntlm = parse_challenges(["NTLM", "Negotiate"].into_iter());
  assert!(matches!(
    next_step(401, &ntlm, false, false, Some(&url), |_| None, None),
    Step::Deliver { remember: false }
  ));
  assert!(matches!(
    next_step(401, &[], false, false, None, |_| None, None),
    Step::Deliver { remember: false }
  ));
}

#[test]
fn step_first_401_tries_url_then_cache_then_user() {
  let url = creds("from-url");
  match next_step(
    401,
    &basic(),
    false,
    false,
    Some(&url),
    |_| Some(creds("c")),
    None,
  ) {
    Step::Retry { creds, source, .. } => {
      assert_eq!(creds.username, "from-url");
      assert_eq!(source, Source::Url);
    }
    other => panic!("{other:?}"),
  }
  let mut asked = None;
  let step = next_step(
    401,
    &basic(),
    false,
    false,
    None,
    |realm| {
      asked = Some(realm.to_string());
      Some(creds("c"))
    },
    None,
  );
  assert_eq!(
    asked.as_deref(),
    Some("r"),
    "the cache is asked for the realm"
  );
  match step {
    Step::Retry {
      creds,
      source,
      challenge,
      ..
    } => {
      assert_eq!(creds.username, "c");
      assert_eq!(source, Source::Cache);
      assert_eq!(challenge.scheme, "basic");
    }
    other => panic!("{other:?}"),
  }
  match next_step(401, &basic(), false, false, None, |_| None, None) {
    Step::AskUser {
      forget_cached,
      challenge,
      ..
    } => {
      assert!(!forget_cached);
      assert_eq!(challenge.realm, "r");
    }
    other => panic!("{other:?}"),
  }
}

#[test]
fn step_rejected_credentials_ask_the_user_and_forget_cached_ones() {
  let url = creds("from-url");
  for (source, forget) in [
    (Source::Login, false),
    (Source::Url, false),
    (Source::Cache, true),
  ] {
    let t = tried("r", "u", source);
    // URL and cached credentials are not tried again on the same request.
    match next_step(
      401,
      &basic(),
      false,
      false,
      Some(&url),
      |_| Some(creds("c")),
      Some(&t),
    ) {
      Step::AskUser { forget_cached, .. } => assert_eq!(forget_cached, forget, "{source:?}"),
      other => panic!("{other:?}"),
    }
  }
  // A challenge for another realm after a try: ask, and keep the other realm's cache entry.
  let t = tried("other", "u", Source::Cache);
  assert!(matches!(
    next_step(
      401,
      &basic(),
      false,
      false,
      None,
      |_| Some(creds("c")),
      Some(&t)
    ),
    Step::AskUser {
      forget_cached: false,
      ..
    }
  ));
}

#[test]
fn step_stale_digest_nonce_retries_the_same_credentials() {
  let stale = parse_challenges(
    [r#"Digest realm="r", nonce="new", qop="auth", algorithm=MD5, stale=true"#].into_iter(),
  );
  for source in [Source::Login, Source::Cache, Source::Url] {
    let t = tried("r", "u", source);
    match next_step(401, &stale, false, false, None, |_| None, Some(&t)) {
      Step::Retry {
        creds,
        source: s,
        answer,
        ..
      } => {
        assert_eq!(creds.username, "u");
        assert_eq!(s, source);
        assert!(matches!(answer, Answer::Digest(_)));
      }
      other => panic!("{other:?}"),
    }
  }
  let fresh = parse_challenges([r#"Digest realm="r", nonce="new", qop="auth""#].into_iter());
  let t = tried("r", "u", Source::Login);
  assert!(matches!(
    next_step(401, &fresh, false, false, None, |_| None, Some(&t)),
    Step::AskUser { .. }
  ));
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
