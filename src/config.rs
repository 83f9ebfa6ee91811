//! Every tunable of the engine and every environment variable it reads, in one place.
//!
//! [`TUNING`] holds the fixed sizes and limits (a `const`, so each use compiles to the value);
//! [`env()`] holds what the process environment sets, read once, the first time the engine
//! needs any of it. Each field says what it bounds and why it has its value; the measurements
//! behind them are in docs/PERFORMANCE.md.

use std::sync::OnceLock;
use std::time::Duration;

/// Sizes and limits.
pub struct Tuning {
  /// Up to this many requests in flight in a thread (the starting one included), a request is
  /// first polled on the JS thread; beyond, it goes straight to the engine's threads
  /// (`wire::runtime::Task`; bench W1 against W5).
  pub poll_here_max_in_flight: usize,
  /// Most `read()` credits a request may bank ahead of data; JS grants one per `_read`.
  pub max_banked_credit: usize,
  /// Body chunks below this size are copied into a fresh JS Buffer; larger ones are lent to JS
  /// without copying (an external Buffer V8 must track and finalize costs more below it).
  /// `lib/bridge.js` paces young-generation collection by the delivered bytes (`paceYoungGc`),
  /// which is what brings a dropped chunk's memory back soon.
  pub external_buffer_min: usize,
  /// Chunks up to this size go into the shared slab (`binding::chunk_slab`), as Node's own
  /// Buffer pool hands out small buffers.
  pub slab_chunk_max: usize,
  /// A slab's size (larger when one batch's small chunks need more).
  pub slab_size: usize,
  /// How long a connection is idle before its socket is watched for the server's close
  /// (`wire::idle`): one reused at once (one request after another) is never touched, so the hot
  /// path pays nothing, not even the system call that would put a socket the JS thread reads
  /// itself back in tokio's reactor.
  pub idle_watch_after: Duration,
  /// Idle connections kept per origin. Chromium caps a session at 256 sockets (6 per host, which
  /// we do not impose); dropping connections a busy client will want again costs a handshake
  /// each.
  pub max_idle_per_origin: usize,
  /// Body in the bridge's queue plus reads on their way there. One large download keeps ~2 MiB
  /// there (a 1 MiB chunk queued while the next is read).
  /// Used in `request::body_budget`.
  pub body_queue_limit: usize,
  /// Body read ahead of JS's asking, across all requests: one large download's next chunk (it
  /// keeps reading while JS handles the previous one). Bench W5 (1,000 responses at once): peak
  /// RSS 117-127 MiB with 4 MiB here, 111-121 MiB with 1 MiB, W3 unchanged.
  /// Used in `request::body_budget`.
  pub body_ahead_limit: usize,
  /// The most decoded bytes one step of a `request::decoding::ContentDecoder` produces. A body of a few megabytes
  /// can inflate to gigabytes (a "zip bomb": 1 MiB of gzip is 1 GiB of zeros, brotli does better
  /// still): decoding a network read in one go held all of it in memory at once. In steps, each
  /// taken only when the consumer has room for it (`download.rs`), memory stays a few steps
  /// whatever the ratio, and the body streams at the consumer's pace. Chromium does the same:
  /// `FilterSourceStream` decodes into the consumer's read buffer, never more than it asked for.
  /// Used in `request::decoding`.
  pub decoded_step: usize,
  /// The smallest buffer a step decodes into: small bodies do not pay for a full step's buffer.
  /// Used in `request::decoding`.
  pub decoded_min_step: usize,
  /// Bytes that may wait for the socket before a write is made to wait for its `WriteAck`. 4 MiB
  /// rather than 1: with the engine writing up to 1 MiB per system call, a 1 MiB window left it
  /// waiting on JS after every call (bench W4, 64 KiB writes: ~1,400 -> ~2,300 MB/s).
  /// Used in `wire::upload`.
  pub upload_window: usize,
  /// Largest socket read, and so the largest body chunk handed to JS at once. Reads start small
  /// and double while they come back full (as hyper's adaptive read buffer does), so a small
  /// response costs little memory and a large download crosses into JS in few, large chunks.
  /// Used in `wire::http1`.
  pub read_chunk: usize,
  /// The first read of a response: a head and a small body usually fit in it; reads double from
  /// here while they come back full, up to `read_chunk`.
  /// Used in `wire::http1`.
  pub first_read: usize,
  /// Bodies smaller than this do not use recycled blocks (see `read_direct`).
  /// Used in `wire::http1`.
  pub direct_read_min: usize,
  /// A block with less room than this left is not read into again (smaller reads would mean
  /// more, smaller chunks for JS).
  /// Used in `wire::http1`.
  pub block_min_room: usize,
  /// Idle blocks kept for reuse (16 MiB).
  /// Used in `wire::http1::read_block`.
  pub blocks_kept: usize,
  /// Slice size for buffered uploads, so progress can be reported while a large body is sent.
  /// Used in `wire::transport::send_h1`.
  pub upload_slice: usize,
  /// A batch of a chunked body stops growing once it holds this much (so it is at most this plus
  /// one chunk)...
  /// Used in `wire::transport::send_h1`.
  pub upload_batch_bytes: usize,
  /// ...or this many chunks (three iovecs each, well under Linux's 1,024 per call).
  /// Used in `wire::transport::send_h1`.
  pub upload_batch_chunks: usize,
  /// A redirect's or a challenge's body is drained to keep its connection only up to this
  /// much (Chromium's `HttpResponseBodyDrainer` gives up after 16 KiB, in the background;
  /// here the next hop waits for it)...
  /// Used in `wire::transport::body_reader`.
  pub drain_limit: usize,
  /// ...and only while it arrives within this time.
  /// Used in `wire::transport::body_reader`.
  pub drain_time: Duration,
  /// The HTTP cache of an in-memory session, in bytes (Chromium's in-memory backend default).
  pub http_cache_memory_max: u64,
  /// The HTTP cache of a persistent session, on disk, in bytes (Chromium's default cache
  /// size, `disk_cache::kDefaultCacheSize`).
  pub http_cache_disk_max: u64,
  /// The largest entry either cache keeps, as a fraction of its size (Chromium: an eighth).
  pub http_cache_entry_fraction: u64,
  /// Entries a session's host cache holds (one per host and address family); past it the one
  /// expiring first goes. Chromium's `HostCache` default (`kDefaultCacheSize`,
  /// net/dns/resolve_context.cc). Used in `request::host_cache`.
  pub host_cache_entries: usize,
  /// How long a system resolver's answer is used: `getaddrinfo` gives no TTL, so Chromium's
  /// `kCacheEntryTTLSeconds` (net/dns/host_resolver_manager_job.cc). Used in
  /// `request::host_resolver`.
  pub host_cache_ttl: Duration,
  /// How long a failed system lookup is remembered: Chromium's `kNegativeCacheEntryTTLSeconds`,
  /// 0, and an error is cached only with a positive TTL (`HostResolverManager::CacheResult`):
  /// failures are never cached. Used in `request::host_resolver`.
  pub host_cache_negative_ttl: Duration,
}

pub const TUNING: Tuning = Tuning {
  poll_here_max_in_flight: 8,
  max_banked_credit: 4,
  external_buffer_min: 32 * 1024,
  slab_chunk_max: 4 * 1024,
  slab_size: 64 * 1024,
  idle_watch_after: Duration::from_millis(250),
  max_idle_per_origin: 256,
  body_queue_limit: 4 * 1024 * 1024,
  body_ahead_limit: 1024 * 1024,
  decoded_step: 256 * 1024,
  decoded_min_step: 32 * 1024,
  upload_window: 4 * 1024 * 1024,
  read_chunk: 1024 * 1024,
  first_read: 16 * 1024,
  direct_read_min: 64 * 1024,
  block_min_room: 128 * 1024,
  blocks_kept: 16,
  upload_slice: 256 * 1024,
  upload_batch_bytes: 1024 * 1024,
  upload_batch_chunks: 64,
  drain_limit: 64 * 1024,
  drain_time: Duration::from_millis(500),
  http_cache_memory_max: 10 * 1024 * 1024,
  http_cache_disk_max: 80 * 1024 * 1024,
  http_cache_entry_fraction: 8,
  host_cache_entries: 1000,
  host_cache_ttl: Duration::from_secs(60),
  host_cache_negative_ttl: Duration::ZERO,
};

/// What the process environment sets.
pub struct Environment {
  /// `ELECTRON_NET_RS_WORKER_THREADS`: the engine's thread count. Default: one on up to two
  /// cores and one per core (at most four) above that. On two cores, which the JS thread and
  /// usually the server share, one thread with tokio's single-threaded scheduler costs the
  /// least: no worker wakes another to steal work (bench, 5 interleaved rounds: W2 16,062 req/s
  /// against 15,332 with two workers and 14,001 with one multi-threaded worker; W1, W3, W4 and
  /// W5 no worse, W5's peak RSS 5-15 MiB lower).
  pub worker_threads: usize,
  /// `ELECTRON_NET_RS_JS_THREAD_READS=0` turns reading plain-HTTP responses on the JS thread off
  /// (`wire::socket_watch`; kept for A/B runs).
  pub js_thread_reads: bool,
  /// `ELECTRON_NET_RS_PANIC_FOR_HOST`, for the tests: requests to this host panic in the engine,
  /// which must fail them with `net::ERR_FAILED` instead of crashing.
  pub panic_for_host: Option<String>,
  /// `ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT`, for the tests: a response with this status
  /// text panics while its event is converted on the JS thread, which must fail that request
  /// with `net::ERR_FAILED` instead of aborting Node.
  pub bridge_panic_for_status_text: Option<String>,
  /// `ELECTRON_NET_RS_IDLE_TIMEOUT_MS`: idle HTTP/1.1 connections older than this are closed
  /// (`wire::idle`). Default 30 s: servers commonly time out keep-alive at 5-60 s, and a stale
  /// socket only costs a retry. The tests shorten it.
  pub idle_timeout: Duration,
}

/// The environment's settings, read on first use.
pub fn env() -> &'static Environment {
  static ENV: OnceLock<Environment> = OnceLock::new();
  ENV.get_or_init(|| Environment {
    worker_threads: var("ELECTRON_NET_RS_WORKER_THREADS")
      .and_then(|v| v.parse().ok())
      .filter(|&n| n > 0)
      .unwrap_or_else(
        || match std::thread::available_parallelism().map_or(2, |n| n.get()) {
          n if n <= 2 => 1,
          n => n.min(4),
        },
      ),
    js_thread_reads: var("ELECTRON_NET_RS_JS_THREAD_READS").as_deref() != Some("0"),
    panic_for_host: var("ELECTRON_NET_RS_PANIC_FOR_HOST"),
    bridge_panic_for_status_text: var("ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT"),
    idle_timeout: var("ELECTRON_NET_RS_IDLE_TIMEOUT_MS")
      .and_then(|v| v.trim().parse::<u64>().ok())
      .filter(|&ms| ms > 0)
      .map_or(Duration::from_secs(30), Duration::from_millis),
  })
}

fn var(name: &str) -> Option<String> {
  std::env::var(name).ok()
}

/// Panics if the tests asked for a panic for requests to `host` (see
/// [`Environment::panic_for_host`]).
pub fn panic_if_requested(host: Option<&str>) {
  let wanted = env().panic_for_host.as_deref();
  if wanted.is_some() && wanted == host {
    panic!("panic requested by ELECTRON_NET_RS_PANIC_FOR_HOST");
  }
}

/// Panics if the tests asked for a panic on the JS thread for this status text (see
/// [`Environment::bridge_panic_for_status_text`]).
pub fn panic_in_bridge_if_requested(status_text: &str) {
  if env().bridge_panic_for_status_text.as_deref() == Some(status_text) {
    panic!("panic requested by ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT");
  }
}
