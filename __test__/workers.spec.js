'use strict'

// The package loaded in worker threads (node:worker_threads; ava's default, jest's and
// Piscina's way of running code), at the same time as in the main thread: every thread's
// requests get their own events, terminating a worker mid-request harms nothing else, and
// workers come and go without leaking or crashing. Each scenario runs in a child process
// (../fixtures/workers-*.js, worker threads of ../fixtures/worker.js) with its server in that
// process's main thread, so that a native crash fails the test instead of ava.

const path = require('node:path')
const test = require('ava')
const { runNode } = require('./helpers/child')

const scenario = (name) => runNode([path.join(__dirname, 'fixtures', `${name}.js`)])
const allOk = (count) => ({ ok: count, wrong: [], errors: [], pending: [], pendingCount: 0 })

function exitedByItself (t, r) {
  t.is(r.signal, null, `crashed: ${r.signal}\n${r.stderr}`)
  t.false(r.killed, 'still alive after 15 s')
  t.is(r.code, 0, r.stderr)
}

test('should complete 4 workers × 500 requests at once, and the main thread\'s, each with its own response', async (t) => {
  const r = await scenario('workers-many')
  t.truthy(r.output, r.stderr)
  t.deepEqual(r.output.workers, [allOk(500), allOk(500), allOk(500), allOk(500)])
  t.deepEqual(r.output.main, allOk(200))
  t.deepEqual(r.output.served, { total: 2200, distinctFromWorkers: 2000, distinctFromMain: 200 })
  t.deepEqual(r.output.exitCodes, [0, 0, 0, 0])
  t.is(r.output.inflightAfter, 0)
  exitedByItself(t, r)
})

test('should survive workers terminated mid-request, with the main thread\'s requests unharmed', async (t) => {
  const r = await scenario('workers-terminate')
  t.truthy(r.output, r.stderr)
  t.deepEqual(r.output.rounds, [
    { started: 3, neverSeen: 3, during: allOk(10) },
    { started: 3, neverSeen: 3, during: allOk(10) }
  ], 'each round: 3 workers with a download going and a request waiting, terminated')
  t.deepEqual(r.output.held, allOk(10), 'the main thread\'s requests in flight all along')
  t.is(r.output.inflight, 0, 'the main thread\'s inflightCount() after the workers are gone')
  t.deepEqual(r.output.fresh, allOk(5), 'a worker started afterwards')
  t.is(r.output.stage, 'done')
  exitedByItself(t, r)
})

test('should survive terminating the only worker using the package mid-download', async (t) => {
  const r = await scenario('workers-terminate-alone')
  t.is(r.signal, null, `crashed: ${r.signal}\n${r.stderr}`)
  t.truthy(r.output, r.stderr)
  t.like(r.output, { started: true, main: allOk(3), fresh: allOk(3), stage: 'done' })
  exitedByItself(t, r)
})

test('should let 20 workers in a row load the package, make a request and exit', async (t) => {
  const r = await scenario('workers-sequential')
  t.truthy(r.output, r.stderr)
  t.deepEqual(r.output.workers, Array.from({ length: 20 }, () => ({ ok: 1, exitCode: 0 })))
  t.deepEqual(r.output.main, allOk(1), 'the main thread afterwards')
  exitedByItself(t, r)
})
