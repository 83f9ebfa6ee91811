//! A load's dispatcher, held weakly.
//!
//! A threadsafe function keeps its JS function alive for as long as it exists, and a load's
//! lives as long as its environment. jest (and vitest, and hot-reload tools) load the module
//! anew for every test file and then drop that copy: held strongly, each copy's dispatcher, and
//! through it its whole module graph (and, under jest, the test file's vm context), would stay
//! in memory until the worker exits. So the threadsafe function calls a small function of the
//! addon's own instead, which calls the dispatcher through a weak reference: once the copy is
//! gone and collected, its events (of requests still finishing) are dropped.

use std::ffi::c_void;

use napi::bindgen_prelude::{FromNapiValue, Function};
use napi::{check_status, sys};

use crate::binding::batch::Slot;

/// A function that passes its one argument on to `dispatch` while `dispatch` is alive.
///
/// # Safety
/// `env` is the current environment, on its JS thread; `dispatch` a function of it.
pub unsafe fn wrap<'env>(
  env: sys::napi_env,
  dispatch: sys::napi_value,
) -> napi::Result<Function<'env, Vec<Slot>, ()>> {
  let mut weak = std::ptr::null_mut();
  check_status!(sys::napi_create_reference(env, dispatch, 0, &mut weak))?;
  let mut function = std::ptr::null_mut();
  let name = "dispatchWeakly";
  check_status!(sys::napi_create_function(
    env,
    name.as_ptr().cast(),
    name.len() as isize,
    Some(call),
    weak.cast(),
    &mut function,
  ))?;
  // The reference goes with the function that uses it.
  check_status!(sys::napi_add_finalizer(
    env,
    function,
    weak.cast(),
    Some(delete_reference),
    std::ptr::null_mut(),
    std::ptr::null_mut(),
  ))?;
  Function::from_napi_value(env, function)
}

unsafe extern "C" fn call(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
  let mut argc = 1;
  let mut argv = [std::ptr::null_mut(); 1];
  let mut weak: *mut c_void = std::ptr::null_mut();
  let mut undefined = std::ptr::null_mut();
  sys::napi_get_undefined(env, &mut undefined);
  let status = sys::napi_get_cb_info(
    env,
    info,
    &mut argc,
    argv.as_mut_ptr(),
    std::ptr::null_mut(),
    &mut weak,
  );
  if status != sys::Status::napi_ok || weak.is_null() {
    return undefined;
  }
  let mut dispatch = std::ptr::null_mut();
  sys::napi_get_reference_value(env, weak.cast(), &mut dispatch);
  if dispatch.is_null() {
    // That copy of the module is gone.
    return undefined;
  }
  let mut result = std::ptr::null_mut();
  // A throw stays pending and reaches the caller (the threadsafe call), as a throw of the
  // dispatcher itself did.
  sys::napi_call_function(env, undefined, dispatch, 1, argv.as_ptr(), &mut result);
  undefined
}

unsafe extern "C" fn delete_reference(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  sys::napi_delete_reference(env, data.cast());
}
