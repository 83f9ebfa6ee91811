//! Loading a PAC script's text from its URL, as Chromium's `PacFileFetcherImpl`: http(s)
//! fetched directly (never through a proxy: resolving the proxy is what the script is for),
//! without cookies, credentials or the HTTP cache, redirects followed (never to `file:`), only
//! a 200 accepted, at most [`MAX_BYTES`] within [`TIMEOUT`]; `data:` decoded in place; `file:`
//! read from disk (a configured URL only, as `CreateWithFileUrlSupport`).

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::errors::NetError;
use crate::request::pac::engine::PacError;
use crate::request::session::SessionInner;
use crate::wire::headers::EngineHeaders;
use crate::wire::origin::{self, Target};
use crate::wire::resolve::resolve_endpoint;
use crate::wire::transport::{self, Outgoing};
use crate::wire::upload::{UploadBody, UploadEvents};

/// Chromium's `kDefaultMaxResponseBytes` (10 MB).
pub const MAX_BYTES: usize = 10 << 20;
/// Chromium's `kDefaultMaxDuration` (30 s), for the whole fetch, redirects included.
pub const TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 20;
/// Where auto-detection looks for a PAC script (Chromium's `PacFileDecider`, DNS variant).
pub const WPAD_URL: &str = "http://wpad/wpad.dat";
/// How long the WPAD quick check waits for `wpad` to resolve (`kQuickCheckDelayMs`).
pub const QUICK_CHECK: Duration = Duration::from_secs(1);

fn net(error: NetError) -> PacError {
  PacError(format!("fetching the PAC script failed: {error}"))
}

/// The script at `url` as text.
pub async fn script(session: &SessionInner, url: &str) -> Result<String, PacError> {
  let url = Url::parse(url).map_err(|_| PacError(format!("invalid PAC URL: {url}")))?;
  match url.scheme() {
    "data" => data_url(&url),
    "file" => file_url(&url).await,
    "http" | "https" => {
      if url.as_str() == WPAD_URL {
        wpad_quick_check(session).await?;
      }
      tokio::time::timeout(TIMEOUT, http(session, url))
        .await
        .map_err(|_| net(NetError::ERR_TIMED_OUT))?
    }
    other => Err(PacError(format!("PAC URL scheme not allowed: {other}"))),
  }
}

/// Chromium's `PacFileDecider::DoQuickCheck`: auto-detection fetches its script only if the
/// name `wpad` resolves within [`QUICK_CHECK`] (through the session's resolver, host mapping
/// rules included), so a resolver that is slow to say "no such name" does not hold up the
/// session's first requests for long; they then go direct.
async fn wpad_quick_check(session: &SessionInner) -> Result<(), PacError> {
  within_quick_check(resolve_endpoint(session.resolver.as_ref(), "wpad", 80)).await
}

/// The quick check's verdict on a lookup: its own failure, or `ERR_NAME_NOT_RESOLVED` when it
/// takes longer than [`QUICK_CHECK`] (Chromium's `DoQuickCheckComplete` after its timer fires).
async fn within_quick_check<T>(
  lookup: impl std::future::Future<Output = Result<T, NetError>>,
) -> Result<(), PacError> {
  match tokio::time::timeout(QUICK_CHECK, lookup).await {
    Ok(Ok(_)) => Ok(()),
    Ok(Err(error)) => Err(net(error)),
    Err(_) => Err(net(NetError::ERR_NAME_NOT_RESOLVED)),
  }
}

/// Nothing is uploaded: the progress callbacks have nothing to report to.
struct NoUpload;

impl UploadEvents for NoUpload {
  fn progress(&self, _: u64, _: u64) {}
  fn write_ack(&self) {}
}

async fn http(session: &SessionInner, mut url: Url) -> Result<String, PacError> {
  let events: Arc<dyn UploadEvents> = Arc::new(NoUpload);
  // Compressed bodies would need decoding; asking for none keeps the fetch simple.
  let user = vec![("Accept-Encoding".to_string(), "identity".to_string())];
  for _ in 0..=MAX_REDIRECTS {
    let target = Target {
      origin: origin::origin_of(&url).map_err(net)?,
      proxy: None,
    };
    let engine = EngineHeaders {
      first: Vec::new(),
      last: vec![("User-Agent", session.user_agent().into())],
    };
    let out = Outgoing {
      method: "GET",
      url: &url,
      user: &user,
      engine: &engine,
      h2_priority: None,
      tunnel_authorization: None,
    };
    let mut response =
      transport::exchange(&session.pool, &target, &out, UploadBody::Empty, &events)
        .await
        .map_err(|f| net(f.error))?;
    if matches!(response.status, 301 | 302 | 303 | 307 | 308) {
      let next = response
        .header("location")
        .and_then(|l| url.join(l).ok())
        .ok_or_else(|| net(NetError::ERR_INVALID_RESPONSE))?;
      if !matches!(next.scheme(), "http" | "https") {
        return Err(PacError(format!(
          "PAC script redirected to a disallowed URL: {next}"
        )));
      }
      response.body.discard(&session.pool).await;
      url = next;
      continue;
    }
    if response.status != 200 {
      return Err(PacError(format!(
        "fetching the PAC script failed: HTTP status {} (net::ERR_PAC_STATUS_NOT_OK)",
        response.status
      )));
    }
    if let Some(coding) = response.header("content-encoding") {
      if !coding.trim().eq_ignore_ascii_case("identity") {
        return Err(PacError(format!(
          "PAC script sent with Content-Encoding {coding}, not decoded"
        )));
      }
    }
    let charset = response.header("content-type").and_then(charset_of);
    let mut bytes = Vec::new();
    while let Some(chunk) = response.body.next().await.map_err(net)? {
      if bytes.len() + chunk.len() > MAX_BYTES {
        return Err(PacError(
          "PAC script too big (net::ERR_FILE_TOO_BIG)".into(),
        ));
      }
      bytes.extend_from_slice(&chunk);
    }
    response.body.finish(&session.pool);
    return Ok(decode(&bytes, charset.as_deref()));
  }
  Err(net(NetError::ERR_TOO_MANY_REDIRECTS))
}

async fn file_url(url: &Url) -> Result<String, PacError> {
  let path = url
    .to_file_path()
    .map_err(|_| PacError(format!("invalid PAC file URL: {url}")))?;
  let read = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    // One byte past the cap tells a file that is too big.
    std::fs::File::open(&path)?
      .take(MAX_BYTES as u64 + 1)
      .read_to_end(&mut bytes)?;
    Ok(bytes)
  });
  let bytes = read
    .await
    .map_err(|_| PacError("reading the PAC file failed".into()))?
    .map_err(|e| PacError(format!("reading the PAC file failed: {e}")))?;
  if bytes.len() > MAX_BYTES {
    return Err(PacError(
      "PAC script too big (net::ERR_FILE_TOO_BIG)".into(),
    ));
  }
  Ok(decode(&bytes, None))
}

/// `data:[<media type>][;base64],<data>` (Chromium's `DataURL::Parse`, enough of it for a
/// script: percent-decoding, base64 with whitespace ignored, the `charset` parameter).
fn data_url(url: &Url) -> Result<String, PacError> {
  let invalid = || PacError("invalid PAC data: URL".into());
  let spec = &url.as_str()["data:".len()..];
  let (meta, data) = spec.split_once(',').ok_or_else(invalid)?;
  let data = data.split('#').next().unwrap_or_default();
  let decoded: Vec<u8> = percent_encoding::percent_decode_str(data).collect();
  let mut params = meta.split(';').map(str::trim);
  let _media_type = params.next();
  let mut base64 = false;
  let mut charset = None;
  for param in params {
    if param.eq_ignore_ascii_case("base64") {
      base64 = true;
    } else if let Some((name, value)) = param.split_once('=') {
      if name.trim().eq_ignore_ascii_case("charset") {
        charset = Some(value.trim().to_string());
      }
    }
  }
  let bytes = if base64 {
    use base64::Engine as _;
    let compact: Vec<u8> = decoded
      .into_iter()
      .filter(|b| !b.is_ascii_whitespace())
      .collect();
    base64::engine::general_purpose::STANDARD
      .decode(&compact)
      .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
      .map_err(|_| invalid())?
  } else {
    decoded
  };
  Ok(decode(&bytes, charset.as_deref()))
}

fn charset_of(content_type: &str) -> Option<String> {
  content_type.split(';').skip(1).find_map(|param| {
    let (name, value) = param.split_once('=')?;
    name
      .trim()
      .eq_ignore_ascii_case("charset")
      .then(|| value.trim().trim_matches('"').to_string())
  })
}

/// The script's bytes as text (`ConvertResponseToUTF16`): the given charset; without one, a
/// byte-order mark's, else ISO-8859-1. Charsets other than UTF-8, UTF-16 and Latin-1 are read
/// as UTF-8 (invalid sequences replaced), where Chromium would convert them.
pub fn decode(bytes: &[u8], charset: Option<&str>) -> String {
  let latin1 = |b: &[u8]| b.iter().map(|&c| char::from(c)).collect::<String>();
  let utf16 = |b: &[u8], little: bool| {
    let units = b.chunks_exact(2).map(|p| {
      if little {
        u16::from_le_bytes([p[0], p[1]])
      } else {
        u16::from_be_bytes([p[0], p[1]])
      }
    });
    char::decode_utf16(units)
      .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
      .collect::<String>()
  };
  match charset.map(str::to_ascii_lowercase).as_deref() {
    None | Some("") => {
      if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
      } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, true)
      } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, false)
      } else {
        latin1(bytes)
      }
    }
    Some("iso-8859-1" | "latin1" | "us-ascii" | "windows-1252") => latin1(bytes),
    Some("utf-16le") => utf16(bytes, true),
    Some("utf-16be" | "utf-16") => utf16(bytes, false),
    Some(_) => String::from_utf8_lossy(bytes).into_owned(),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[tokio::test(start_paused = true)]
  async fn the_wpad_quick_check_gives_up_after_one_second() {
    let started = tokio::time::Instant::now();
    let stalled = within_quick_check(std::future::pending::<Result<(), NetError>>()).await;
    assert_eq!(
      stalled.unwrap_err().0,
      "fetching the PAC script failed: net::ERR_NAME_NOT_RESOLVED"
    );
    assert_eq!(started.elapsed(), QUICK_CHECK);
    let slow_but_in_time = async {
      tokio::time::sleep(QUICK_CHECK - Duration::from_millis(1)).await;
      Ok::<_, NetError>(())
    };
    assert!(within_quick_check(slow_but_in_time).await.is_ok());
    let failed = within_quick_check(async { Err::<(), _>(NetError::ERR_NAME_NOT_RESOLVED) }).await;
    assert!(failed.is_err());
  }

  #[test]
  fn data_urls_decode_base64_and_percent_encoding() {
    let d = |s: &str| data_url(&Url::parse(s).unwrap());
    assert_eq!(
      d("data:application/x-ns-proxy-autoconfig;base64,ZnVuY3Rpb24gRmluZFByb3h5Rm9yVVJMKCl7fQ==")
        .unwrap(),
      "function FindProxyForURL(){}"
    );
    assert_eq!(
      d("data:,function%20FindProxyForURL()%7B%7D").unwrap(),
      "function FindProxyForURL(){}"
    );
    assert_eq!(d("data:;charset=utf-8,%C3%A9").unwrap(), "é");
    assert!(d("data:;base64,!!!").is_err());
  }

  #[test]
  fn text_follows_charset_then_bom_then_latin1() {
    assert_eq!(decode(b"\xE9", None), "é");
    assert_eq!(decode(b"\xC3\xA9", Some("UTF-8")), "é");
    assert_eq!(decode(b"\xEF\xBB\xBFok", None), "ok");
    assert_eq!(decode(b"\xFF\xFEo\0k\0", None), "ok");
    assert_eq!(
      charset_of("text/plain; charset=\"utf-8\"").as_deref(),
      Some("utf-8")
    );
  }
}
