//! Opening a TCP connection to a host.

use tokio::net::TcpStream;

use crate::errors::{classify_io, resolve_failed, NetError, Stage};

/// Resolves `host` and connects to the first address that accepts, in resolver order.
pub async fn connect_tcp(host: &str, port: u16) -> Result<TcpStream, NetError> {
  let addrs: Vec<_> = tokio::net::lookup_host((host, port))
    .await
    .map_err(|e| resolve_failed(Some(&e)))?
    .collect();
  if addrs.is_empty() {
    return Err(resolve_failed(None));
  }
  let mut last = NetError::ERR_CONNECTION_FAILED;
  for addr in addrs {
    match TcpStream::connect(addr).await {
      Ok(stream) => {
        // Chromium disables Nagle on every socket; small heads must not wait for an ACK.
        let _ = stream.set_nodelay(true);
        return Ok(stream);
      }
      Err(e) => last = classify_io(&e, Stage::Connect),
    }
  }
  Err(last)
}
