//! Packing a drain's events into the one array the JS dispatcher receives (format: `bridge.rs`).

use bytes::Bytes;
use napi::bindgen_prelude::{BufferSlice, ToNapiValue};
use napi::{sys, Env};

use crate::binding::chunk_slab;
use crate::config::TUNING;
use crate::request::events::{AuthInfo, Event};

/// Electron's `AuthInfo`, as the `'login'` event passes it to JS.
#[napi_derive::napi(object, js_name = "AuthInfo")]
pub struct JsAuthInfo {
  pub is_proxy: bool,
  pub scheme: String,
  pub host: String,
  pub port: u32,
  pub realm: String,
}

impl From<AuthInfo> for JsAuthInfo {
  fn from(info: AuthInfo) -> JsAuthInfo {
    let AuthInfo {
      is_proxy,
      scheme,
      host,
      port,
      realm,
    } = info;
    JsAuthInfo {
      is_proxy,
      scheme,
      host,
      port,
      realm,
    }
  }
}

/// One slot of the flat event array.
pub enum Slot {
  Undefined,
  Number(f64),
  Str(String),
  Bytes(Bytes),
  Auth(AuthInfo),
}

impl ToNapiValue for Slot {
  unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    match val {
      Slot::Undefined => <()>::to_napi_value(env, ()),
      Slot::Number(n) => f64::to_napi_value(env, n),
      Slot::Str(s) => String::to_napi_value(env, s),
      Slot::Bytes(b) => bytes_to_buffer(env, b),
      Slot::Auth(info) => JsAuthInfo::to_napi_value(env, info.into()),
    }
  }
}

unsafe fn bytes_to_buffer(env: sys::napi_env, bytes: Bytes) -> napi::Result<sys::napi_value> {
  let env_ref = Env::from_raw(env);
  if bytes.len() < TUNING.external_buffer_min {
    let copy = BufferSlice::copy_from(&env_ref, &bytes)?;
    return <&BufferSlice>::to_napi_value(env, &copy);
  }
  let ptr = bytes.as_ptr() as *mut u8;
  let len = bytes.len();
  // SAFETY: `ptr..ptr+len` stays valid while `bytes` (the finalize hint) is alive; the
  // finalizer drops it once V8 collects the Buffer. JS never gets another view of the memory.
  // V8 counts the external backing store in its external memory itself.
  let slice = BufferSlice::from_external(&env_ref, ptr, len, bytes, |_env, owner| drop(owner))?;
  <&BufferSlice>::to_napi_value(env, &slice)
}

/// The six slots of one event; a small body chunk is copied into `slab` when there is one.
fn slots(id: u32, event: Event, slab: Option<&mut chunk_slab::SlabCursor>) -> [Slot; 6] {
  use Slot::*;
  let (kind, a, b, c, d) = match event {
    Event::Response {
      status,
      status_text,
      http_version,
      raw_headers,
    } => {
      crate::config::panic_in_bridge_if_requested(&status_text);
      (
        1,
        Number(status as f64),
        Str(status_text),
        Str(http_version.to_string()),
        Str(raw_headers),
      )
    }
    Event::Data { chunk, received } => match slab.and_then(|slab| slab.copy(&chunk)) {
      Some(offset) => (
        2,
        Number(offset as f64),
        Number(received as f64),
        Number(chunk.len() as f64),
        Undefined,
      ),
      None => (
        2,
        Bytes(chunk),
        Number(received as f64),
        Undefined,
        Undefined,
      ),
    },
    Event::End => (3, Undefined, Undefined, Undefined, Undefined),
    Event::Error(e) => (
      4,
      Str(e.name.to_string()),
      Number(e.code as f64),
      Undefined,
      Undefined,
    ),
    Event::UploadProgress { position, total } => (
      5,
      Number(position as f64),
      Number(total as f64),
      Undefined,
      Undefined,
    ),
    Event::WriteAck => (6, Undefined, Undefined, Undefined, Undefined),
    Event::Redirect {
      status,
      method,
      url,
      raw_headers,
    } => (
      7,
      Number(status as f64),
      Str(method),
      Str(url),
      Str(raw_headers),
    ),
    Event::Login(info) => (8, Auth(info), Undefined, Undefined, Undefined),
    Event::CookiesChanged { session } => {
      (9, Number(session as f64), Undefined, Undefined, Undefined)
    }
  };
  [Number(id as f64), Number(kind as f64), a, b, c, d]
}

/// The dispatcher's argument, the flat event array, built by [`drain`] itself so that every
/// conversion runs inside its panic guards (napi-rs converts a callback's result in an
/// `extern "C"` function, where a panic aborts the process).
pub struct Batch(sys::napi_value);

impl Batch {
  pub fn raw(self) -> sys::napi_value {
    self.0
  }
}

impl ToNapiValue for Batch {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    Ok(val.0)
  }
}

/// One batch being built: the `numbers` of the module doc, the JS `values`, and where its small
/// body chunks go.
#[derive(Default)]
pub struct Packed {
  pub numbers: Vec<f64>,
  pub values: Vec<sys::napi_value>,
  pub slab: Option<chunk_slab::SlabCursor>,
}

/// In `numbers`: the slot's value is the next of `values`.
const FROM_VALUES: f64 = f64::NAN;
/// In `numbers`: the slot is empty (`undefined` in JS).
const EMPTY: f64 = f64::NEG_INFINITY;

impl Packed {
  pub fn mark(&self) -> (usize, usize) {
    (self.numbers.len(), self.values.len())
  }

  pub fn truncate(&mut self, (numbers, values): (usize, usize)) {
    self.numbers.truncate(numbers);
    self.values.truncate(values);
  }
}

/// Converts one event's slots, appended to `out`.
pub unsafe fn push_values(
  env: sys::napi_env,
  out: &mut Packed,
  id: u32,
  event: Event,
) -> napi::Result<()> {
  for slot in slots(id, event, out.slab.as_mut()) {
    match slot {
      Slot::Number(n) => {
        // Both are markers; no event carries them as a number (counts, codes, ids).
        debug_assert!(!n.is_nan() && n != EMPTY);
        out.numbers.push(n)
      }
      Slot::Undefined => out.numbers.push(EMPTY),
      other => {
        out.values.push(Slot::to_napi_value(env, other)?);
        out.numbers.push(FROM_VALUES);
      }
    }
  }
  Ok(())
}

pub unsafe fn to_batch(env: sys::napi_env, packed: &Packed) -> napi::Result<Batch> {
  let bytes = packed.numbers.len() * std::mem::size_of::<f64>();
  let mut data = std::ptr::null_mut();
  let mut buffer = std::ptr::null_mut();
  napi::check_status!(sys::napi_create_arraybuffer(
    env,
    bytes,
    &mut data,
    &mut buffer
  ))?;
  if bytes > 0 {
    // SAFETY: V8 just allocated `bytes` writable bytes at `data`; copied as bytes, so nothing
    // is assumed of its alignment (the Float64Array views it from offset 0).
    std::ptr::copy_nonoverlapping(packed.numbers.as_ptr() as *const u8, data as *mut u8, bytes);
  }
  let mut numbers = std::ptr::null_mut();
  napi::check_status!(sys::napi_create_typedarray(
    env,
    sys::TypedarrayType::float64_array,
    packed.numbers.len(),
    buffer,
    0,
    &mut numbers
  ))?;
  let mut array = std::ptr::null_mut();
  napi::check_status!(sys::napi_create_array_with_length(
    env,
    packed.values.len() + 2,
    &mut array
  ))?;
  napi::check_status!(sys::napi_set_element(env, array, 0, numbers))?;
  if let Some(cursor) = &packed.slab {
    napi::check_status!(sys::napi_set_element(env, array, 1, cursor.slab))?;
  }
  for (i, value) in packed.values.iter().enumerate() {
    napi::check_status!(sys::napi_set_element(env, array, i as u32 + 2, *value))?;
  }
  Ok(Batch(array))
}
