//! A loaded PAC script: a QuickJS runtime on a thread of its own, answering `FindProxyForURL`
//! calls sent over a channel.
//!
//! Why a dedicated thread: a script may run for up to [`TIME_LIMIT`] and its DNS helpers block
//! on getaddrinfo, neither of which may happen on the JS thread or a tokio worker. QuickJS is
//! single-threaded, so one thread owns the runtime for its whole life. The thread ends when the
//! [`Engine`] is dropped (its channel closes); it is never joined, and a thread waiting on a
//! channel does not keep Node alive.
//!
//! The sandbox: the context has ECMAScript's built-ins and the PAC helpers, nothing else (no
//! `require`, `process`, `fetch`, timers or I/O: QuickJS has no host objects unless given
//! some). Every evaluation runs under a wall-clock limit enforced by QuickJS's interrupt
//! handler, a memory limit and a stack limit; each failure is an error, answered as DIRECT by
//! the caller (Chromium's fallback for a non-mandatory PAC config).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::function::Rest;
use rquickjs::{Context, Ctx, Exception, Function, Runtime, Value};
use tokio::sync::oneshot;

use crate::request::host_resolver::HostResolver;
use crate::request::pac::library::PAC_JS_LIBRARY;
use crate::request::pac::natives;

/// How long the script's top-level code, or one `FindProxyForURL` call, may run, not counting
/// time spent waiting for DNS. Chromium sets none (a looping script hangs resolution for good);
/// a PAC answer normally takes microseconds, so a second only cuts off broken or hostile code.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);
/// The heap a script may use: ample for any real PAC file (the largest known ones, long lists
/// of domains, take a few MB).
pub const MEMORY_LIMIT: usize = 64 << 20;
/// QuickJS's own stack limit, well inside the thread's stack, so deep recursion is a
/// `RangeError` rather than a crash.
const JS_STACK_LIMIT: usize = 1 << 20;
const THREAD_STACK: usize = 4 << 20;

/// Why a script gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacError(pub String);

impl std::fmt::Display for PacError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(&self.0)
  }
}

struct Job {
  url: String,
  host: String,
  reply: oneshot::Sender<Result<String, PacError>>,
}

/// A script that compiled and defines `FindProxyForURL`, ready for calls.
pub struct Engine {
  jobs: mpsc::Sender<Job>,
}

fn thread_gone() -> PacError {
  PacError("the PAC thread ended unexpectedly".into())
}

impl Engine {
  /// Starts the script's thread and evaluates the library and the script there.
  pub async fn start(script: String, resolver: Arc<HostResolver>) -> Result<Engine, PacError> {
    let (jobs, queue) = mpsc::channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    std::thread::Builder::new()
      .name("electron-net-rs-pac".into())
      .stack_size(THREAD_STACK)
      .spawn(move || serve(script, resolver, queue, ready_tx))
      .map_err(|e| PacError(format!("could not start the PAC thread: {e}")))?;
    ready_rx.await.map_err(|_| thread_gone())??;
    Ok(Engine { jobs })
  }

  /// The script's answer for a sanitized `url` and its `host`.
  pub async fn find(&self, url: String, host: String) -> Result<String, PacError> {
    let (reply, answer) = oneshot::channel();
    self
      .jobs
      .send(Job { url, host, reply })
      .map_err(|_| thread_gone())?;
    answer.await.map_err(|_| thread_gone())?
  }

  /// The same, blocking the calling thread (unit tests and the latency bench).
  #[cfg(test)]
  pub fn find_blocking(&self, url: &str, host: &str) -> Result<String, PacError> {
    let (reply, answer) = oneshot::channel();
    self
      .jobs
      .send(Job {
        url: url.into(),
        host: host.into(),
        reply,
      })
      .map_err(|_| thread_gone())?;
    answer.blocking_recv().map_err(|_| thread_gone())?
  }
}

/// The thread's body. A panic (in our helpers or the bindings) ends the thread here: it never
/// unwinds further, and the requests waiting on it see closed channels, then DIRECT.
fn serve(
  script: String,
  resolver: Arc<HostResolver>,
  queue: mpsc::Receiver<Job>,
  ready: oneshot::Sender<Result<(), PacError>>,
) {
  let _ = std::panic::catch_unwind(AssertUnwindSafe(move || {
    let pac = match Pac::new(&script, resolver) {
      Ok(pac) => pac,
      Err(e) => {
        let _ = ready.send(Err(e));
        return;
      }
    };
    drop(script);
    let _ = ready.send(Ok(()));
    while let Ok(job) = queue.recv() {
      let answer = pac.find(&job.url, &job.host);
      let _ = job.reply.send(answer);
    }
  }));
}

/// How much DNS waiting one evaluation may have pushed its deadline back by, in all: slow name
/// resolution does not count against the script, but a script looping on `dnsResolve` of new
/// names (each a real lookup) must still end, or every request of its session waits behind it
/// and each reload leaves its thread running. Past it, lookups fail at once (`Clock::paused`).
const DNS_CREDIT: Duration = Duration::from_secs(20);

/// The deadline the interrupt handler checks, in microseconds since `epoch`. DNS helpers push
/// it back by the time they waited, up to [`DNS_CREDIT`] an evaluation.
#[derive(Clone)]
struct Clock {
  epoch: Instant,
  deadline: Arc<AtomicU64>,
  /// DNS waiting credited to the running evaluation so far, in microseconds.
  credited: Arc<AtomicU64>,
}

/// The part of a DNS wait of `waited` microseconds still creditable after `credited`.
fn creditable(waited: u64, credited: u64) -> u64 {
  waited.min((DNS_CREDIT.as_micros() as u64).saturating_sub(credited))
}

impl Clock {
  fn now(&self) -> u64 {
    self.epoch.elapsed().as_micros() as u64
  }

  fn arm(&self) {
    let limit = TIME_LIMIT.as_micros() as u64;
    self.credited.store(0, Ordering::Relaxed);
    self.deadline.store(self.now() + limit, Ordering::Relaxed);
  }

  fn expired(&self) -> bool {
    self.now() > self.deadline.load(Ordering::Relaxed)
  }

  /// Runs `f` (a blocking DNS helper) without charging its time to the script. Once the
  /// evaluation has had [`DNS_CREDIT`] of DNS waits, helpers answer `exhausted` (a failed
  /// lookup) at once instead: a script looping on lookups then spins in JS, where the
  /// interrupt handler cuts it off (it runs every few thousand JS operations, which a loop
  /// blocked in lookups would take hours to reach).
  fn paused<T>(&self, f: impl FnOnce() -> T, exhausted: impl FnOnce() -> T) -> T {
    if self.credited.load(Ordering::Relaxed) >= DNS_CREDIT.as_micros() as u64 {
      return exhausted();
    }
    let start = Instant::now();
    let out = f();
    let waited = start.elapsed().as_micros() as u64;
    let credit = creditable(waited, self.credited.load(Ordering::Relaxed));
    self.credited.fetch_add(credit, Ordering::Relaxed);
    self.deadline.fetch_add(credit, Ordering::Relaxed);
    out
  }
}

struct Pac {
  // Field order matters: the context must go before its runtime.
  context: Context,
  _runtime: Runtime,
  clock: Clock,
}

impl Pac {
  fn new(script: &str, resolver: Arc<HostResolver>) -> Result<Pac, PacError> {
    let runtime = Runtime::new().map_err(|e| PacError(format!("QuickJS: {e}")))?;
    runtime.set_memory_limit(MEMORY_LIMIT);
    runtime.set_max_stack_size(JS_STACK_LIMIT);
    let clock = Clock {
      epoch: Instant::now(),
      deadline: Arc::new(AtomicU64::new(u64::MAX)),
      credited: Arc::default(),
    };
    let watch = clock.clone();
    runtime.set_interrupt_handler(Some(Box::new(move || watch.expired())));
    let context = Context::full(&runtime).map_err(|e| PacError(format!("QuickJS: {e}")))?;
    let pac = Pac {
      context,
      _runtime: runtime,
      clock,
    };
    pac.context.with(|ctx| -> Result<(), PacError> {
      install_natives(&ctx, &pac.clock, resolver).map_err(|e| PacError(e.to_string()))?;
      pac.eval(&ctx, PAC_JS_LIBRARY)?;
      pac.eval(&ctx, script)?;
      // At least FindProxyForURL must be defined (Chromium's `InitV8`).
      find_function(&ctx).map(|_| ())
    })?;
    Ok(pac)
  }

  /// Runs top-level code in sloppy mode, as browsers run PAC files.
  fn eval(&self, ctx: &Ctx<'_>, source: &str) -> Result<(), PacError> {
    let mut options = EvalOptions::default();
    options.strict = false;
    self.clock.arm();
    let result = ctx.eval_with_options::<(), _>(source, options);
    result.map_err(|e| self.describe(ctx, e))
  }

  fn find(&self, url: &str, host: &str) -> Result<String, PacError> {
    self.context.with(|ctx| {
      let function = find_function(&ctx)?;
      self.clock.arm();
      let answer: Value = function
        .call((url, host))
        .map_err(|e| self.describe(&ctx, e))?;
      let Some(answer) = answer.as_string() else {
        return Err(PacError(
          "FindProxyForURL() did not return a string.".into(),
        ));
      };
      let answer = answer.to_string().map_err(|e| self.describe(&ctx, e))?;
      if !answer.is_ascii() {
        return Err(PacError(format!(
          "FindProxyForURL() returned a non-ASCII string: {answer}"
        )));
      }
      Ok(answer)
    })
  }

  /// A failed evaluation as an error message: the limit that cut it off, or what it threw.
  fn describe(&self, ctx: &Ctx<'_>, error: rquickjs::Error) -> PacError {
    if self.clock.expired() {
      return PacError(format!(
        "the PAC script ran longer than {} ms",
        TIME_LIMIT.as_millis()
      ));
    }
    if !matches!(error, rquickjs::Error::Exception) {
      return PacError(format!("PAC script failed: {error}"));
    }
    let thrown = ctx.catch();
    let text = if let Some(exception) = thrown.as_exception() {
      exception.message().unwrap_or_default()
    } else if let Some(s) = thrown.as_string() {
      s.to_string().unwrap_or_default()
    } else if thrown.is_null() {
      // QuickJS throws null when an allocation fails past the memory limit.
      "out of memory".into()
    } else {
      format!("a {} was thrown", thrown.type_name())
    };
    PacError(format!("PAC script threw: {text}"))
  }
}

/// `FindProxyForURLEx` when the script defines it (Microsoft's IPv6-aware entry point), else
/// `FindProxyForURL`.
fn find_function<'js>(ctx: &Ctx<'js>) -> Result<Function<'js>, PacError> {
  let globals = ctx.globals();
  for name in ["FindProxyForURLEx", "FindProxyForURL"] {
    let value: Value = globals
      .get(name)
      .map_err(|_| PacError(format!("Accessing {name} threw an exception.")))?;
    if let Some(function) = value.into_function() {
      return Ok(function);
    }
  }
  Err(PacError(
    "FindProxyForURL is undefined or not a function.".into(),
  ))
}

/// The first argument if it is a string; `Ok(None)` otherwise.
fn string_arg(args: &Rest<Value<'_>>, index: usize) -> rquickjs::Result<Option<String>> {
  match args.0.get(index).and_then(Value::as_string) {
    Some(s) => s.to_string().map(Some),
    None => Ok(None),
  }
}

fn js_string<'js>(ctx: &Ctx<'js>, s: &str) -> rquickjs::Result<Value<'js>> {
  Ok(rquickjs::String::from_str(ctx.clone(), s)?.into_value())
}

/// The natively implemented helpers, with Chromium's answers for bad arguments and failures
/// (`proxy_resolver_v8.cc`: dnsResolve null, dnsResolveEx "", myIpAddress "127.0.0.1",
/// myIpAddressEx "", sortIpAddressList false, isInNetEx false).
fn install_natives<'js>(
  ctx: &Ctx<'js>,
  clock: &Clock,
  resolver: Arc<HostResolver>,
) -> rquickjs::Result<()> {
  let globals = ctx.globals();

  // `alert()` goes to Chromium's NetLog; there is none here, so it is ignored.
  globals.set(
    "alert",
    Function::new(ctx.clone(), |_: Rest<Value<'js>>| {})?,
  )?;

  globals.set(
    "isPlainHostName",
    Function::new(
      ctx.clone(),
      |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<bool> {
        match string_arg(&args, 0)? {
          Some(host) => Ok(natives::is_plain_host_name(&host)),
          None => Err(Exception::throw_type(&ctx, "Requires 1 string parameter")),
        }
      },
    )?,
  )?;

  let (r, c) = (resolver.clone(), clock.clone());
  globals.set(
    "dnsResolve",
    Function::new(
      ctx.clone(),
      move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
        let answer = string_arg(&args, 0)?
          .and_then(|h| natives::hostname_argument(&h))
          .and_then(|h| c.paused(|| natives::dns_resolve(&r, &h), || None));
        match answer {
          Some(ip) => js_string(&ctx, &ip),
          None => Ok(Value::new_null(ctx)),
        }
      },
    )?,
  )?;

  let (r, c) = (resolver.clone(), clock.clone());
  globals.set(
    "dnsResolveEx",
    Function::new(
      ctx.clone(),
      move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
        match string_arg(&args, 0)?.and_then(|h| natives::hostname_argument(&h)) {
          Some(host) => js_string(
            &ctx,
            &c.paused(|| natives::dns_resolve_ex(&r, &host), String::new),
          ),
          None => Ok(Value::new_undefined(ctx)),
        }
      },
    )?,
  )?;

  let (r, c) = (resolver.clone(), clock.clone());
  globals.set(
    "myIpAddress",
    Function::new(ctx.clone(), move || {
      c.paused(|| natives::my_ip_address(&r), || "127.0.0.1".to_string())
    })?,
  )?;

  let (r, c) = (resolver, clock.clone());
  globals.set(
    "myIpAddressEx",
    Function::new(ctx.clone(), move || {
      c.paused(|| natives::my_ip_address_ex(&r), String::new)
    })?,
  )?;

  globals.set(
    "sortIpAddressList",
    Function::new(
      ctx.clone(),
      |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
        let Some(list) = string_arg(&args, 0)? else {
          return Ok(Value::new_null(ctx));
        };
        match natives::sort_ip_address_list(&list) {
          Some(sorted) => js_string(&ctx, &sorted),
          None => Ok(Value::new_bool(ctx, false)),
        }
      },
    )?,
  )?;

  globals.set(
    "isInNetEx",
    Function::new(
      ctx.clone(),
      |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
        match (string_arg(&args, 0)?, string_arg(&args, 1)?) {
          (Some(ip), Some(prefix)) => Ok(Value::new_bool(ctx, natives::is_in_net_ex(&ip, &prefix))),
          _ => Ok(Value::new_null(ctx)),
        }
      },
    )?,
  )?;

  // Microsoft's PAC extensions version: scripts test it to pick the Ex entry points.
  globals.set("getClientVersion", Function::new(ctx.clone(), || "1.0")?)?;
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn dns_waits_are_credited_up_to_a_bound_per_evaluation() {
    let bound = DNS_CREDIT.as_micros() as u64;
    assert_eq!(creditable(5, 0), 5);
    assert_eq!(creditable(5, bound - 2), 2);
    assert_eq!(creditable(5, bound), 0);
    assert_eq!(creditable(u64::MAX, 0), bound);
  }

  #[test]
  fn lookups_fail_at_once_after_the_dns_credit() {
    let clock = Clock {
      epoch: Instant::now(),
      deadline: Arc::new(AtomicU64::new(u64::MAX)),
      credited: Arc::default(),
    };
    clock.arm();
    assert_eq!(clock.paused(|| 1, || 2), 1);
    clock
      .credited
      .store(DNS_CREDIT.as_micros() as u64, Ordering::Relaxed);
    assert_eq!(
      clock.paused(|| panic!("no lookup past the credit"), || 2),
      2
    );
    // The next evaluation starts with its own credit.
    clock.arm();
    assert_eq!(clock.paused(|| 1, || 2), 1);
  }

  fn engine(script: &str) -> Result<Engine, PacError> {
    let rt = tokio::runtime::Builder::new_current_thread()
      .build()
      .unwrap();
    rt.block_on(Engine::start(script.into(), Arc::new(HostResolver::new())))
  }

  fn eval(expression: &str) -> String {
    let script = format!("function FindProxyForURL(url, host) {{ return String({expression}); }}");
    engine(&script)
      .unwrap()
      .find_blocking("http://x/", "x")
      .unwrap()
  }

  #[test]
  fn the_helpers_answer_as_chromium_does() {
    assert_eq!(
      eval("shExpMatch('http://a.example.com/x', '*.example.com/*')"),
      "true"
    );
    assert_eq!(eval("shExpMatch('a.b', 'a?b')"), "true");
    assert_eq!(eval("shExpMatch('axb', 'a.b')"), "false");
    assert_eq!(eval("isInNet('10.1.2.3', '10.0.0.0', '255.0.0.0')"), "true");
    assert_eq!(
      eval("isInNet('11.1.2.3', '10.0.0.0', '255.0.0.0')"),
      "false"
    );
    assert_eq!(
      eval("isInNet('localhost', '127.0.0.0', '255.0.0.0')"),
      "true"
    );
    assert_eq!(eval("dnsResolve('localhost')"), "127.0.0.1");
    assert_eq!(eval("dnsResolve(42)"), "null");
    assert_eq!(
      eval("dnsDomainIs('www.example.com', '.example.com')"),
      "true"
    );
    assert_eq!(eval("dnsDomainLevels('a.b.c')"), "2");
    assert_eq!(
      eval("localHostOrDomainIs('www', 'www.example.com')"),
      "true"
    );
    assert_eq!(eval("isPlainHostName('www')"), "true");
    assert_eq!(eval("isResolvable('localhost')"), "true");
    assert_eq!(eval("isResolvableEx('localhost')"), "true");
    assert_eq!(eval("isInNetEx('10.1.2.3', '10.0.0.0/8')"), "true");
    assert_eq!(
      eval("sortIpAddressList('10.0.0.2;::1;10.0.0.1')"),
      "::1;10.0.0.1;10.0.0.2"
    );
    assert_eq!(eval("sortIpAddressList('bogus')"), "false");
    assert_eq!(eval("weekdayRange('SUN', 'SAT')"), "true");
    assert_eq!(eval("timeRange(0, 23)"), "true");
    assert_eq!(eval("getClientVersion()"), "1.0");
    assert_eq!(eval("typeof alert('hi')"), "undefined");
  }

  #[test]
  fn the_script_sees_no_host_objects() {
    for name in [
      "require",
      "process",
      "fetch",
      "setTimeout",
      "console",
      "XMLHttpRequest",
    ] {
      assert_eq!(
        eval(&format!("typeof globalThis.{name}")),
        "undefined",
        "{name}"
      );
    }
  }

  #[test]
  fn find_proxy_for_url_ex_is_preferred() {
    let e = engine(
      "function FindProxyForURL() { return 'PROXY a:1' }\n\
       function FindProxyForURLEx() { return 'PROXY b:2' }",
    )
    .unwrap();
    assert_eq!(e.find_blocking("http://x/", "x").unwrap(), "PROXY b:2");
  }

  #[test]
  fn broken_scripts_are_errors() {
    assert!(
      engine("function FindProxyForURL( {").is_err(),
      "syntax error"
    );
    assert!(engine("var x = 1;").is_err(), "no FindProxyForURL");
    assert!(engine("throw new Error('top')").is_err());
    let e = engine("function FindProxyForURL() { throw new Error('boom') }").unwrap();
    let err = e.find_blocking("http://x/", "x").unwrap_err();
    assert!(err.0.contains("boom"), "{err}");
    let e = engine("function FindProxyForURL() { return 42 }").unwrap();
    assert!(e.find_blocking("http://x/", "x").is_err());
    let e = engine("function FindProxyForURL() { return 'PROXY é:1' }").unwrap();
    assert!(e.find_blocking("http://x/", "x").is_err());
  }

  #[test]
  fn limits_cut_off_runaway_scripts_and_the_engine_lives_on() {
    let e = engine(
      "var n = 0;\n\
       function FindProxyForURL(url, host) {\n\
         if (host == 'loop') { for (;;) { try { while (true) {} } catch (e) {} } }\n\
         if (host == 'deep') { return (function f() { return f(); })(); }\n\
         if (host == 'big') { var a = []; for (;;) a.push(new Array(100000).fill(1)); }\n\
         return 'PROXY ok:' + (++n);\n\
       }",
    )
    .unwrap();
    let start = Instant::now();
    let err = e.find_blocking("http://loop/", "loop").unwrap_err();
    assert!(err.0.contains("longer than"), "{err}");
    assert!(start.elapsed() < TIME_LIMIT * 3);
    assert!(e.find_blocking("http://deep/", "deep").is_err());
    assert!(e.find_blocking("http://big/", "big").is_err());
    assert_eq!(e.find_blocking("http://x/", "x").unwrap(), "PROXY ok:1");
    // A script looping at top level never loads.
    let start = Instant::now();
    assert!(engine("for (;;) {}").is_err());
    assert!(start.elapsed() < TIME_LIMIT * 3);
  }
}
