//! Work that `AsyncTask`s run on libuv's thread pool (`flushStore`, `clearCache`,
//! `getCacheSize`, `resolveHost`): a panic there must become the promise's rejection, never an
//! unwind into libuv.

/// Runs `work`; a panic becomes an `Error` named `ERR_FAILED`.
pub fn guarded<T>(work: impl FnOnce() -> T) -> napi::Result<T> {
  std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
    .map_err(|_| napi::Error::from_reason("ERR_FAILED"))
}
