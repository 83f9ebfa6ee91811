//! The upload sink: counts the bytes POSTed to it (Content-Length or chunked) and answers with
//! the count, so every client can check its upload arrived whole.
//!
//! Why not hyper: its sink copied every body byte out of the kernel and framed it into chunks,
//! and on a two-core machine that took the core the client needed. The plain-reqwest client only
//! reached 1.2-1.3x undici's rate against it, where the issue measured 2.4x: the sink, not the
//! clients, set the figure. Here the body bytes are discarded inside the kernel (`recv` with
//! `MSG_TRUNC` on TCP drops them without copying) and only the framing is read.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

fn main() {
  let listener = TcpListener::bind("127.0.0.1:0").unwrap();
  println!("{}", listener.local_addr().unwrap().port());
  for stream in listener.incoming().flatten() {
    std::thread::spawn(move || {
      let _ = stream.set_nodelay(true);
      let _ = serve(stream);
    });
  }
}

/// A connection: framing bytes are read into `buf`; body bytes past it are dropped in-kernel.
struct Conn {
  stream: TcpStream,
  buf: Vec<u8>,
  start: usize,
  end: usize,
}

fn serve(stream: TcpStream) -> io::Result<()> {
  let mut conn = Conn {
    stream,
    buf: vec![0; 64 * 1024],
    start: 0,
    end: 0,
  };
  loop {
    let head = match conn.read_head()? {
      Some(head) => head,
      None => return Ok(()),
    };
    let n = match framing(&head) {
      Framing::Chunked => conn.chunked_body()?,
      Framing::Length(length) => {
        conn.discard(length)?;
        length
      }
    };
    let body = if head.starts_with("POST /upload ") {
      n.to_string()
    } else {
      "not found".into()
    };
    write!(
      conn.stream,
      "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{}",
      body.len(),
      body
    )?;
  }
}

enum Framing {
  Chunked,
  Length(u64),
}

/// RFC 9112 §6.3: chunked when it is the last transfer coding, else Content-Length (or none).
fn framing(head: &str) -> Framing {
  let mut length = 0;
  for line in head.lines().skip(1) {
    let Some((name, value)) = line.split_once(':') else {
      continue;
    };
    let name = name.trim();
    if name.eq_ignore_ascii_case("transfer-encoding") {
      let last = value.rsplit(',').next().unwrap_or("").trim();
      if last.eq_ignore_ascii_case("chunked") {
        return Framing::Chunked;
      }
    } else if name.eq_ignore_ascii_case("content-length") {
      length = value.trim().parse().unwrap_or(0);
    }
  }
  Framing::Length(length)
}

impl Conn {
  fn fill(&mut self) -> io::Result<bool> {
    if self.start > 0 {
      self.buf.copy_within(self.start..self.end, 0);
      self.end -= self.start;
      self.start = 0;
    }
    if self.end == self.buf.len() {
      return Err(io::Error::other("framing line too long"));
    }
    let n = io::Read::read(&mut self.stream, &mut self.buf[self.end..])?;
    self.end += n;
    Ok(n > 0)
  }

  /// One CRLF-terminated line (without the CRLF), or None at a clean end of stream.
  fn line(&mut self) -> io::Result<Option<String>> {
    loop {
      if let Some(i) = self.buf[self.start..self.end]
        .windows(2)
        .position(|w| w == b"\r\n")
      {
        let line = String::from_utf8_lossy(&self.buf[self.start..self.start + i]).into_owned();
        self.start += i + 2;
        return Ok(Some(line));
      }
      if !self.fill()? {
        return Ok(None);
      }
    }
  }

  fn read_head(&mut self) -> io::Result<Option<String>> {
    let mut head = String::new();
    loop {
      match self.line()? {
        None if head.is_empty() => return Ok(None),
        None => return Err(io::ErrorKind::UnexpectedEof.into()),
        Some(line) if line.is_empty() => return Ok(Some(head)),
        Some(line) => {
          head.push_str(&line);
          head.push('\n');
        }
      }
    }
  }

  fn chunked_body(&mut self) -> io::Result<u64> {
    let mut total = 0;
    loop {
      let line = self.line()?.ok_or(io::ErrorKind::UnexpectedEof)?;
      let size = u64::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
        .map_err(|_| io::Error::other("bad chunk size"))?;
      if size == 0 {
        // Trailers, up to the empty line.
        while !self.line()?.ok_or(io::ErrorKind::UnexpectedEof)?.is_empty() {}
        return Ok(total);
      }
      self.discard(size)?;
      total += size;
      if !self.line()?.ok_or(io::ErrorKind::UnexpectedEof)?.is_empty() {
        return Err(io::Error::other("chunk not followed by CRLF"));
      }
    }
  }

  /// Drops `n` body bytes: first what is buffered, then the rest without copying it out.
  fn discard(&mut self, mut n: u64) -> io::Result<()> {
    let buffered = ((self.end - self.start) as u64).min(n);
    self.start += buffered as usize;
    n -= buffered;
    while n > 0 {
      let want = n.min(1 << 30) as usize;
      // SAFETY: MSG_TRUNC on a TCP socket discards up to `want` bytes; no buffer is written.
      let got = unsafe {
        libc::recv(
          self.stream.as_raw_fd(),
          std::ptr::null_mut(),
          want,
          libc::MSG_TRUNC,
        )
      };
      match got {
        0 => return Err(io::ErrorKind::UnexpectedEof.into()),
        g if g < 0 => {
          let e = io::Error::last_os_error();
          if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
          }
        }
        g => n -= g as u64,
      }
    }
    Ok(())
  }
}
