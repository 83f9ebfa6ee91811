'use strict'

// Routes engine events to the JS objects they belong to. The native side delivers every event
// queued since the last delivery as one flat array, six slots per event:
// [id, kind, a, b, c, d, ...] (src/bridge.rs documents each kind).

const EventKind = Object.freeze({
  RESPONSE: 1,
  DATA: 2,
  END: 3,
  ERROR: 4,
  UPLOAD_PROGRESS: 5,
  WRITE_ACK: 6,
  REDIRECT: 7,
  LOGIN: 8
})

const handlers = new Map()
// Events waiting for a later macrotask, per request id (see `dispatch`).
const deferred = new Map()
let flushScheduled = false
let native = null
let nextId = 1

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
  const delivered = new Map()
  let failure = null
  for (let i = 0; i < batch.length; i += 6) {
    const id = batch[i]
    if (!handlers.has(id)) continue
    const event = [id, batch[i + 1], batch[i + 2], batch[i + 3], batch[i + 4], batch[i + 5]]
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
  if (kind === EventKind.END || kind === EventKind.ERROR) handlers.delete(id)
  try {
    target._onNativeEvent(kind, a, b, c, d)
    return null
  } catch (err) {
    return { err }
  }
}

function rethrow (failure) {
  process.nextTick(() => { throw failure.err })
}

// Loaded lazily so that option validation works (and fails with Electron's messages) even
// before anything touches the network.
function binding () {
  if (native === null) {
    native = require('../binding.js')
    native.init(dispatch)
  }
  return native
}

function allocateId () {
  const id = nextId
  nextId = nextId >= 0xffffffff ? 1 : nextId + 1
  return id
}

// `target._onNativeEvent(kind, a, b, c, d)` receives the request's events (a method, so no
// closure is allocated per request).
function register (id, target) {
  handlers.set(id, target)
}

function unregister (id) {
  handlers.delete(id)
  deferred.delete(id)
}

module.exports = { EventKind, binding, allocateId, register, unregister }
