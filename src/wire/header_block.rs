//! A response's header lines as received (original case and order, duplicates kept apart), held
//! in one string in the form JS receives `rawHeaders` in: `name\0value\0name\0value`.
//!
//! Why one string: a head is parsed for every response, and a `(String, String)` per line was
//! the engine's largest source of allocations (two per line, then a join for JS: ~40 % of the
//! engine thread's `malloc` calls at 64 requests in flight, bench W2). Now a head costs two.

/// Where one line's name and value sit in `joined`: the name at `name..value - 1`, the value at
/// `value..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line {
  name: u32,
  value: u32,
  end: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderBlock {
  joined: String,
  lines: Vec<Line>,
}

impl HeaderBlock {
  pub fn with_capacity(lines: usize, bytes: usize) -> HeaderBlock {
    HeaderBlock {
      joined: String::with_capacity(bytes),
      lines: Vec::with_capacity(lines),
    }
  }

  /// Appends a line. NUL, which JS's form uses as the separator (and which no valid header
  /// holds), becomes U+FFFD.
  pub fn push(&mut self, name: &str, value: &str) {
    if !self.lines.is_empty() {
      self.joined.push('\0');
    }
    let name_at = self.joined.len();
    push_text(&mut self.joined, name);
    self.joined.push('\0');
    let value_at = self.joined.len();
    push_text(&mut self.joined, value);
    // Heads are at most 256 KiB (HTTP/1) and HTTP/2 header lists far below 4 GiB.
    self.lines.push(Line {
      name: name_at as u32,
      value: value_at as u32,
      end: self.joined.len() as u32,
    });
  }

  #[cfg(test)]
  pub fn len(&self) -> usize {
    self.lines.len()
  }

  pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
    self.lines.iter().map(|l| {
      (
        &self.joined[l.name as usize..l.value as usize - 1],
        &self.joined[l.value as usize..l.end as usize],
      )
    })
  }

  /// The first value of `name` (case-insensitive).
  pub fn get(&self, name: &str) -> Option<&str> {
    self
      .iter()
      .find(|(n, _)| n.eq_ignore_ascii_case(name))
      .map(|(_, v)| v)
  }

  /// Every value of `name` (case-insensitive), in order.
  pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    self
      .iter()
      .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
      .map(|(_, v)| v)
  }

  /// The lines as JS's `rawHeaders` joined with NUL.
  pub fn joined(&self) -> &str {
    &self.joined
  }

  pub fn into_joined(self) -> String {
    self.joined
  }
}

fn push_text(out: &mut String, text: &str) {
  if text.contains('\0') {
    out.push_str(&text.replace('\0', "\u{FFFD}"));
  } else {
    out.push_str(text);
  }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for HeaderBlock {
  fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> HeaderBlock {
    let mut block = HeaderBlock::default();
    for (name, value) in iter {
      block.push(name.as_ref(), value.as_ref());
    }
    block
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn keeps_lines_in_order_and_finds_values_case_insensitively() {
    let block: HeaderBlock = [("X-B", "1"), ("set-Cookie", "a=1"), ("x-b", ""), ("E", "")]
      .into_iter()
      .collect();
    assert_eq!(
      block.iter().collect::<Vec<_>>(),
      vec![("X-B", "1"), ("set-Cookie", "a=1"), ("x-b", ""), ("E", "")]
    );
    assert_eq!(block.values("x-B").collect::<Vec<_>>(), vec!["1", ""]);
    assert_eq!(block.get("SET-COOKIE"), Some("a=1"));
    assert_eq!(block.get("absent"), None);
    assert_eq!(
      block.joined(),
      "X-B\x001\x00set-Cookie\x00a=1\x00x-b\x00\x00E\x00"
    );
    assert_eq!(block.len(), 4);
  }

  #[test]
  fn nul_cannot_shift_the_lines_js_sees() {
    let block: HeaderBlock = [("A", "x\0y"), ("B", "2")].into_iter().collect();
    assert_eq!(block.joined(), "A\0x\u{FFFD}y\0B\u{0}2");
    assert_eq!(block.get("b"), Some("2"));
    assert!(HeaderBlock::default().joined().is_empty());
  }
}
