//! Helpers shared by the unit tests.

use url::Url;

pub fn url(s: &str) -> Url {
  Url::parse(s).expect("test URL parses")
}

/// Engine header pairs from string literals.
pub fn eh(pairs: &[(&'static str, &'static str)]) -> Vec<crate::wire::headers::EngineHeader> {
  pairs.iter().map(|&(n, v)| (n, v.into())).collect()
}

/// Header pairs from string literals.
pub fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
  pairs
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

/// A composed wire header list as owned pairs, to compare with [`h`].
pub fn owned(list: Vec<crate::wire::headers::WireHeader<'_>>) -> Vec<(String, String)> {
  list
    .into_iter()
    .map(|(n, v)| (n.to_string(), v.into_owned()))
    .collect()
}
