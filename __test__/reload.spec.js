'use strict'

// The package loaded more than once in one process, each copy with a module registry of its
// own over the one native addon: what jest does per test file (and vitest, mocha --watch,
// hot-reload tools). Every copy must work on its own, at the same time as the others, and a
// copy that is abandoned must not keep the process alive.

const path = require('node:path')
const test = require('ava')
const first = require('..')
const { loadFreshCopy } = require('./helpers/fresh-copy')
const { echoServer, fetchTokens } = require('./helpers/echo')
const { runNode } = require('./helpers/child')

// Serial: copies share the process, so the order in which they are loaded and used is part of
// each scenario.

test.serial('should complete the requests of a copy loaded after another copy was used', async (t) => {
  const srv = await echoServer(t)
  const before = await fetchTokens(first.net, srv.url, ['before/0'])
  t.is(before.ok, 1, JSON.stringify(before))
  const second = loadFreshCopy()
  t.not(second.net, first.net, 'a separate copy of the JS')
  const after = await fetchTokens(second.net, srv.url, ['after/0', 'after/1', 'after/2'], { timeoutMs: 5000 })
  t.deepEqual(after, { ok: 3, wrong: [], errors: [], pending: [], pendingCount: 0 })
  // The three go out at once: their order on the wire is not the package's to promise (the
  // new copy's default session first reads its HTTP cache's index off the JS thread).
  t.deepEqual([srv.seen[0], ...srv.seen.slice(1).sort()], ['before/0', 'after/0', 'after/1', 'after/2'])
})

test.serial('should keep the responses of two copies in use at the same time apart', async (t) => {
  // Responses come back in an order unrelated to the requests' (random delays), so that each
  // copy's request ids and events interleave with the other's.
  const srv = await echoServer(t, { routes: { a: later, b: later } })
  function later (req, res) { setTimeout(() => res.end(req.url.slice(1)), Math.floor(Math.random() * 40)) }
  const second = loadFreshCopy()
  const tokens = (tag) => Array.from({ length: 12 }, (_, i) => `${tag}/${i}`)
  const [a, b] = await Promise.all([
    fetchTokens(first.net, srv.url, tokens('a'), { timeoutMs: 5000 }),
    fetchTokens(second.net, srv.url, tokens('b'), { timeoutMs: 5000 })
  ])
  t.deepEqual({ a, b }, {
    a: { ok: 12, wrong: [], errors: [], pending: [], pendingCount: 0 },
    b: { ok: 12, wrong: [], errors: [], pending: [], pendingCount: 0 }
  })
  t.is(srv.seen.length, 24)
  // And once more with the same two copies: both keep working after a round together.
  const again = await Promise.all([
    fetchTokens(first.net, srv.url, ['a/again'], { timeoutMs: 5000 }),
    fetchTokens(second.net, srv.url, ['b/again'], { timeoutMs: 5000 })
  ])
  t.deepEqual(again.map((s) => s.ok), [1, 1], JSON.stringify(again))
})

test.serial('should let the process exit when a used copy was abandoned for another', async (t) => {
  const srv = await echoServer(t)
  const r = await runNode([path.join(__dirname, 'fixtures', 'reload-abandon.js'), srv.url])
  t.is(r.signal, null, r.stderr)
  t.like(r.output, { first: { status: 200, body: 'first' }, second: { status: 200, body: 'second' } }, r.stderr)
  t.false(r.killed, 'the process did not exit by itself within 15 s')
  t.is(r.code, 0, r.stderr)
  t.true(r.exitedAt - r.output.doneAt < 3000, `exited ${r.exitedAt - r.output.doneAt} ms after its last request`)
})

// jest drops a test file's module registry when the file is done: a copy of the package that is
// no longer used must not be kept in memory by the addon (its dispatcher is held weakly).
test.serial('should let an abandoned copy be garbage-collected', async (t) => {
  const srv = await echoServer(t)
  const r = await runNode(['--expose-gc', path.join(__dirname, 'fixtures', 'reload-collect.js'), srv.url])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output, { collected: true, second: 'second' }, r.stderr)
})
