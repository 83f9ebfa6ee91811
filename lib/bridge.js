'use strict'

const v8 = require('node:v8')
const { netError, addonMissing } = require('./errors')

// Routes engine events to the JS objects they belong to. The native side delivers every event
// queued since the last delivery at once, six slots per event, [id, kind, a, b, c, d]
// (src/binding/bridge.rs documents each kind), packed as [numbers, slab, ...values]: a Float64Array of
// six per event with NaN where the slot is the next of `values` and -Infinity for an empty
// slot, and the Buffer that small body chunks were copied into (a DATA event whose `a` is a
// number: the chunk is `slab.subarray(a, a + c)`).

const EventKind = Object.freeze({
  RESPONSE: 1,
  DATA: 2,
  END: 3,
  ERROR: 4,
  UPLOAD_PROGRESS: 5,
  WRITE_ACK: 6,
  REDIRECT: 7,
  LOGIN: 8,
  // Not a request's (id 0): a session's cookie store has changes waiting (lib/session.js).
  COOKIES_CHANGED: 9
})

const handlers = new Map()
// Events waiting for a later macrotask, per request id (see `dispatch`).
const deferred = new Map()
let flushScheduled = false
let native = null
// This copy of the module's id with the engine: every copy (jest and hot-reload tools load the
// module again with a fresh module cache) gets its own events, and request ids are unique per
// thread, given by the engine.
let load = 0

// Electron delivers each network event in its own task, and Node stream events queued with
// nextTick ('finish', 'close') run between them; reference §4's orders depend on that. So a
// request gets one event per macrotask — the rest wait for setImmediate — except that a
// response's head, body chunks and end may share one (nothing can run between them that
// they would reorder). Different requests share a batch.
function mayFollow (previous, kind) {
  return (previous === EventKind.RESPONSE || previous === EventKind.DATA) &&
    (kind === EventKind.DATA || kind === EventKind.END)
}

function dispatch (batch) {
  const numbers = batch[0]
  const slab = batch[1]
  let next = 2
  const slot = (n) => {
    if (n === -Infinity) return undefined
    // NaN: the only number not equal to itself.
    return n !== n ? batch[next++] : n // eslint-disable-line no-self-compare
  }
  const delivered = new Map()
  let failure = null
  for (let i = 0; i < numbers.length; i += 6) {
    const id = numbers[i]
    // Every slot is read, so that the values stay in step even for a request skipped below.
    const event = [id, numbers[i + 1], slot(numbers[i + 2]), slot(numbers[i + 3]), slot(numbers[i + 4]), slot(numbers[i + 5])]
    if (event[1] === EventKind.DATA && typeof event[2] === 'number') {
      event[2] = slab.subarray(event[2], event[2] + event[4])
      event[4] = undefined
    }
    if (!handlers.has(id)) continue
    const waiting = deferred.get(id)
    const previous = delivered.get(id)
    if (waiting !== undefined) {
      waiting.push(event)
    } else if (previous !== undefined && !mayFollow(previous, event[1])) {
      deferred.set(id, [event])
    } else {
      delivered.set(id, event[1])
      failure = deliver(event) || failure
    }
  }
  scheduleFlush()
  if (failure !== null) rethrow(failure)
}

function flushDeferred () {
  flushScheduled = false
  let failure = null
  for (const [id, events] of deferred) {
    const event = events.shift()
    if (events.length === 0) deferred.delete(id)
    failure = deliver(event) || failure
  }
  scheduleFlush()
  if (failure !== null) rethrow(failure)
}

function scheduleFlush () {
  if (deferred.size > 0 && !flushScheduled) {
    flushScheduled = true
    setImmediate(flushDeferred)
  }
}

// Returns what a listener threw, if anything: a throwing user listener must not cost other
// requests their events; it still surfaces as an uncaught exception, as it would in Electron.
function deliver (event) {
  const [id, kind, a, b, c, d] = event
  const target = handlers.get(id)
  if (target === undefined) return null
  if (kind === EventKind.DATA) paceYoungGc(a.length)
  if (kind === EventKind.END || kind === EventKind.ERROR) handlers.delete(id)
  try {
    target._onNativeEvent(kind, a, b, c, d)
    return null
  } catch (err) {
    return { err }
  }
}

// A body chunk's memory comes back only once V8 collects the Buffer (a large one is lent by the
// engine, src/binding/bridge.rs; a small one is a copy). A chunk JS dropped at once is young garbage,
// which a scavenge frees for well under a millisecond, but scavenges run on heap allocation
// and a download allocates almost none: V8 then waits for ~64 MiB of external memory and a
// full mark-compact (bench W3: peak RSS 185 MiB; overstating the chunks' size to V8 instead
// got it to 85 MiB with a mark-compact every 13 MiB, at ~40 % of the JS thread). So each chunk
// allocates young garbage in proportion to its size, so that a scavenge follows every
// SCAVENGE_EVERY bytes of body (W3: 66-80 MiB, no mark-compact at all): as many as the engine's
// pool of recycled 1 MiB read blocks holds (16), so a download runs on warm blocks.
// The share is the young generation's size over SCAVENGE_EVERY (1/8 at V8's 2 MiB): V8 grows
// the young generation (up to 16 MiB) when much of it survives, as it does under a stream of
// fetch() calls (their Responses and promises), and a fixed share then let 25 MiB of chunks
// wait for each scavenge (W3 after 1,000 fetches: peak RSS 134 MiB against 78, and fresh pages
// cost ~1.5 us each on the bench machine). The size is read again every RECHECK_EVERY bytes.
// In pieces far below V8's large-object size (128 KiB), which would get freshly mapped pages
// of their own; and only the last, small piece stays referenced, so that a scavenge has little
// to copy (a kept 117 KiB piece cost ~25 MiB of peak RSS on W3).
const BALLAST_PIECE = 4096
const SCAVENGE_EVERY = 16 * 1024 * 1024
const RECHECK_EVERY = 8 * 1024 * 1024
// Array elements of ballast per body byte: the share over an element's 8 bytes.
let elementsPerByte = 1 / 64
let untilRecheck = 0
let ballast = null
function paceYoungGc (length) {
  untilRecheck -= length
  if (untilRecheck <= 0) {
    untilRecheck = RECHECK_EVERY
    elementsPerByte = youngGenerationSize() / SCAVENGE_EVERY / 8
  }
  // Stored in a module variable so that the optimizer cannot drop the allocations.
  for (let left = Math.floor(length * elementsPerByte); left > 0; left -= BALLAST_PIECE) {
    ballast = new Array(Math.min(left, BALLAST_PIECE))
  }
  return ballast
}

// What V8 can allocate in the young generation between two scavenges.
function youngGenerationSize () {
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') return space.space_used_size + space.space_available_size
  }
  return 2 * 1024 * 1024
}

function rethrow (failure) {
  process.nextTick(() => { throw failure.err })
}

// binding.js is napi-rs's generated loader: a local build, else the prebuilt platform package.
// Its own message when neither loads blames an npm bug; ours names what is missing.
function loadAddon () {
  try {
    return require('../binding.js')
  } catch (err) {
    throw addonMissing(err)
  }
}

// Loaded lazily so that option validation works (and fails with Electron's messages) even
// before anything touches the network.
function binding () {
  if (native === null) {
    const loaded = loadAddon()
    load = loaded.init(dispatch)
    native = loaded
  }
  return native
}

// Starts a request for `target` (its `_onNativeEvent` receives the events) and returns its id,
// or the Error it failed to start with (the engine throws a Chromium error name).
function startRequest (target, session, method, url, headers, chunked, options, body) {
  let id
  try {
    id = binding().startRequest(load, session, method, url, headers, chunked, options, body)
  } catch (err) {
    // The engine throws a Chromium error name; anything else is an internal failure.
    const name = String(err && err.message)
    return netError(/^ERR_[A-Z0-9_]+$/.test(name) ? name : 'ERR_FAILED')
  }
  handlers.set(id, target)
  return id
}

// Where session events (request id 0) go: an object with `_onNativeEvent(kind, a)`.
function setSessionEvents (target) {
  handlers.set(0, target)
}

// This copy's load id (sessions name it so their events come back to this copy).
function loadId () {
  binding()
  return load
}

function unregister (id) {
  handlers.delete(id)
  deferred.delete(id)
}

module.exports = { EventKind, binding, startRequest, unregister, setSessionEvents, loadId }
