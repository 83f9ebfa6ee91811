'use strict'

// Data on disk under hostile conditions: processes killed (SIGKILL) in the middle of writes,
// files damaged, replaced or locked. Each test asserts what the app observes (errors and their
// words, bodies, what a server received) and that nothing damaged is delivered as data.
//
//  X1 a child killed while a large response streams into the disk cache: the next process
//     misses (only-if-cached: net::ERR_CACHE_MISS), refetches (one server hit) and stores it whole
//  X2 a streamed (> 64 KiB) disk entry with a flipped bit in its head, body or trailer, one byte
//     short or long, or empty: never delivered, deleted, refetched
//  X3 a valid entry of another URL under a URL's file name: a miss, not the other body; the
//     refetch replaces it
//  X4 a directory where an entry's file goes, and junk beside it: requests work, nothing cached
//     for that URL, getCacheSize and clearCache cope
//  X5 a child killed during a burst of 10,000 cookies.set: the file opens in the next process,
//     flushStore() resolves, every surviving cookie (and every one a server receives) is whole
//  X6 the Cookies file cut short at several lengths: flushStore() rejects naming the file and
//     "corrupt", the bytes are left as they were, the session works in memory
//  X7 a directory where the Cookies file goes: flushStore() rejects naming it, in memory meanwhile
//  X8 another process holding the database's write lock past the busy timeout (sqlite3 CLI;
//     skipped without it): "locked by another process", in memory meanwhile

const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const { spawn, execFileSync } = require('node:child_process')
const test = require('ava')
require('./helpers/user-data')
const { net, session } = require('..')
const { serve, listen, collect } = require('./helpers/listen')
const { runNode } = require('./helpers/child')

const ADDON = path.join(__dirname, '..')
const tempDir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `electron-net-rs-test-hostile-${name}-`))
const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex')
const cacheDir = (dir) => path.join(dir, 'Cache', 'Cache_Data')
const entries = (dir) => fs.readdirSync(cacheDir(dir)).filter((f) => f.endsWith('.entry'))
// The disk cache's file name for a URL: 128 bits of the SHA-256 of its key (src/request/cache/disk.rs).
const entryName = (url) => crypto.createHash('sha256').update(url).digest('hex').slice(0, 32) + '.entry'

// A deterministic body of n bytes.
function pattern (n) {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff
  return b
}

// A server whose /<n> answers n pattern bytes, fresh for 10 minutes, in 64 KiB writes `gap` ms
// apart; it counts its hits.
async function bodyServer (t, gap = 0) {
  let hits = 0
  const srv = await listen(t, (req, res) => {
    hits++
    const n = Number(req.url.slice(1).split('?')[0])
    const body = pattern(n)
    res.writeHead(200, { 'Cache-Control': 'max-age=600', 'Content-Length': n, 'X-Hit': String(hits) })
    let at = 0
    const next = () => {
      if (at >= n) return res.end()
      res.write(body.subarray(at, at + 65536))
      at += 65536
      setTimeout(next, gap)
    }
    res.on('error', () => {})
    next()
  })
  return { ...srv, hits: () => hits }
}

// One GET through session.fromPath(dir) in a child process: { status, len, sha, error }.
const GET_CHILD = `
const crypto = require('node:crypto')
const { net, session } = require(process.argv[1])
const [dir, url, cache] = process.argv.slice(2)
const req = net.request({ url, session: session.fromPath(dir), cache: cache || undefined })
const print = (o) => console.log(JSON.stringify(o))
req.on('response', (res) => {
  const h = crypto.createHash('sha256'); let len = 0
  res.on('data', (d) => { len += d.length; h.update(d) })
  res.on('end', () => print({ status: res.statusCode, len, sha: h.digest('hex'), error: null }))
  res.on('error', (e) => print({ status: res.statusCode, len, sha: null, error: e.message }))
})
req.on('error', (e) => print({ status: null, len: 0, sha: null, error: e.message }))
req.end()
`
const getInChild = (dir, url, cache = '') => runNode(['-e', GET_CHILD, ADDON, dir, url, cache])

test('X1 should refetch, never deliver, a response whose caching process was killed mid-body', async (t) => {
  const size = 6 * 1024 * 1024
  const srv = await bodyServer(t, 3)
  const url = `${srv.url}/${size}`
  const dir = tempDir('x1')
  // A child that reports its progress; killed once it has 2 MiB.
  const child = spawn(process.execPath, ['-e', `
    const { net, session } = require(process.argv[1])
    const req = net.request({ url: process.argv[3], session: session.fromPath(process.argv[2]) })
    req.on('response', (res) => { let n = 0; res.on('data', (d) => { n += d.length; console.log(n) }) })
    req.end()`, ADDON, dir, url])
  let got = 0
  await new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      got = Math.max(got, ...d.toString().trim().split('\n').map(Number))
      if (got >= 2 * 1024 * 1024 && child.exitCode === null && !child.killed) child.kill('SIGKILL')
    })
    child.on('exit', resolve)
  })
  t.true(got >= 2 * 1024 * 1024 && got < size, `killed after ${got} bytes`)
  t.deepEqual(entries(dir), [], 'no entry, only the temporary file')
  const miss = await getInChild(dir, url, 'only-if-cached')
  t.deepEqual(miss.output, { status: null, len: 0, sha: null, error: 'net::ERR_CACHE_MISS' }, miss.stderr)
  const before = srv.hits()
  const refetched = await getInChild(dir, url)
  t.deepEqual(refetched.output, { status: 200, len: size, sha: sha(pattern(size)), error: null }, refetched.stderr)
  t.is(srv.hits(), before + 1)
  const cached = await getInChild(dir, url, 'only-if-cached')
  t.deepEqual(cached.output, refetched.output)
  t.is(srv.hits(), before + 1)
})

test('X2 should neither deliver nor keep a damaged streamed entry, and refetch it', async (t) => {
  const size = 200 * 1024 // above the 64 KiB kept in memory: read from the file as it streams
  const srv = await bodyServer(t)
  const damages = {
    'head bit': (b) => { b[20] ^= 4; return b },
    'body bit': (b) => { b[b.length - 1000] ^= 4; return b },
    'trailer bit': (b) => { b[b.length - 1] ^= 4; return b },
    'one byte short': (b) => b.subarray(0, b.length - 1),
    'one byte long': (b) => Buffer.concat([b, Buffer.from('x')]),
    empty: () => Buffer.alloc(0)
  }
  for (const [what, damage] of Object.entries(damages)) {
    const url = `${srv.url}/${size}?${encodeURIComponent(what)}`
    const dir = tempDir('x2')
    const stored = await getInChild(dir, url)
    t.is(stored.output.len, size, what)
    const [name] = entries(dir)
    const file = path.join(cacheDir(dir), name)
    fs.writeFileSync(file, damage(fs.readFileSync(file)))
    const miss = await getInChild(dir, url, 'only-if-cached')
    t.deepEqual(miss.output, { status: null, len: 0, sha: null, error: 'net::ERR_CACHE_MISS' }, what)
    t.false(fs.existsSync(file), `${what}: the damaged file is deleted`)
    const before = srv.hits()
    const refetched = await getInChild(dir, url)
    t.deepEqual(refetched.output, { status: 200, len: size, sha: sha(pattern(size)), error: null }, what)
    t.is(srv.hits(), before + 1, what)
  }
})

test('X3 should not answer a URL with another URL\'s entry found under its file name', async (t) => {
  const srv = await bodyServer(t)
  const a = `${srv.url}/1000`
  const b = `${srv.url}/2000`
  const dir = tempDir('x3')
  t.is((await getInChild(dir, a)).output.len, 1000)
  // A's whole, valid entry where B's belongs.
  fs.copyFileSync(path.join(cacheDir(dir), entryName(a)), path.join(cacheDir(dir), entryName(b)))
  const miss = await getInChild(dir, b, 'only-if-cached')
  t.deepEqual(miss.output, { status: null, len: 0, sha: null, error: 'net::ERR_CACHE_MISS' })
  const before = srv.hits()
  const fetched = await getInChild(dir, b)
  t.deepEqual(fetched.output, { status: 200, len: 2000, sha: sha(pattern(2000)), error: null })
  t.is(srv.hits(), before + 1)
  t.deepEqual((await getInChild(dir, b, 'only-if-cached')).output, fetched.output, 'B\'s own entry replaced it')
  t.deepEqual((await getInChild(dir, a, 'only-if-cached')).output.len, 1000, 'A\'s is still there')
})

test('X4 should work around a directory in an entry\'s place and junk in the cache directory', async (t) => {
  const srv = await bodyServer(t)
  const url = `${srv.url}/100000`
  const dir = tempDir('x4')
  fs.mkdirSync(path.join(cacheDir(dir), entryName(url)), { recursive: true })
  fs.writeFileSync(path.join(cacheDir(dir), 'junk.entry.tmp-1-1'), 'left by a crash')
  fs.writeFileSync(path.join(cacheDir(dir), 'not-an-entry'), crypto.randomBytes(1000))
  fs.writeFileSync(path.join(cacheDir(dir), '0123456789abcdef0123456789abcdef.entry'), crypto.randomBytes(5000))
  const whole = { status: 200, len: 100000, sha: sha(pattern(100000)), error: null }
  for (let i = 0; i < 2; i++) t.deepEqual((await getInChild(dir, url)).output, whole)
  t.is(srv.hits(), 2, 'nothing could be stored for that URL: both went to the network')
  const ses = session.fromPath(dir)
  t.is(await ses.getCacheSize(), 5000, 'only files named as entries count')
  await ses.clearCache()
  t.is(await ses.getCacheSize(), 0)
  t.true(fs.statSync(path.join(cacheDir(dir), entryName(url))).isDirectory(), 'the directory is left alone')
  t.deepEqual((await getInChild(dir, url)).output, whole)
})

test('X5 should keep a sound Cookies file and only whole cookies when killed during a burst of 10,000 sets', async (t) => {
  const dir = tempDir('x5')
  const burst = `
    const { session } = require(process.argv[1])
    const ses = session.fromPath(process.argv[2])
    const exp = Math.floor(Date.now() / 1000) + 3600
    ;(async () => {
      for (let i = 0; i < 10000; i += 100) {
        const sets = []
        for (let j = i; j < i + 100; j++) {
          const url = j % 2 ? 'http://127.0.0.1/' : 'http://h' + (j % 40) + '.example' + (j % 13) + '.test/'
          sets.push(ses.cookies.set({ url, name: 'c' + j, value: 'v' + j + '-' + 'x'.repeat(j % 200), expirationDate: exp }))
        }
        await Promise.all(sets)
        if (i % 1000 === 500) ses.cookies.flushStore().catch(() => {})
        console.log(i + 100)
      }
    })()`
  const whole = (c) => c.value === `v${c.name.slice(1)}-${'x'.repeat(Number(c.name.slice(1)) % 200)}`
  let kept = 0
  for (let round = 0; round < 4; round++) {
    const child = spawn(process.execPath, ['-e', burst, ADDON, dir])
    let lines = 0
    await new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        lines += d.toString().split('\n').length - 1
        if (lines >= 5 + round * 15 && !child.killed) child.kill('SIGKILL')
      })
      child.on('exit', resolve)
    })
    const check = await runNode(['-e', `
      const { session } = require(process.argv[1])
      const ses = session.fromPath(process.argv[2])
      ses.cookies.get({}).then(async (all) => {
        const flush = await ses.cookies.flushStore().then(() => 'ok', (e) => e.message)
        console.log(JSON.stringify({ flush, cookies: all.map((c) => ({ name: c.name, value: c.value })) }))
      })`, ADDON, dir])
    t.is(check.output.flush, 'ok', check.stderr)
    // A crash loses at most the batch not yet committed (512 changes or a flushStore()).
    kept = Math.max(kept, check.output.cookies.length)
    t.deepEqual(check.output.cookies.filter((c) => !whole(c)), [], `round ${round}: every cookie whole`)
  }
  t.true(kept > 0, 'some batches were committed before a kill')
  // What a server receives from the same file.
  const received = []
  // 180 cookies of up to 200 bytes: more than node:http's default 16 KiB head.
  const { port } = await serve(t, http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => { received.push(req.headers.cookie || ''); res.end('ok') }))
  const ses = session.fromPath(dir)
  const r = await collect(net.request({ url: `http://127.0.0.1:${port}/`, session: ses, useSessionCookies: true }))
  t.is(r.response.statusCode, 200)
  t.is(r.error, null)
  const pairs = received[0].split('; ').filter(Boolean).map((p) => ({ name: p.slice(0, p.indexOf('=')), value: p.slice(p.indexOf('=') + 1) }))
  t.true(pairs.length > 0)
  t.deepEqual(pairs.filter((c) => !whole(c)), [])
})

// Writes 300 persistent cookies into <dir>/Cookies from a child process; the file's bytes.
async function cookieFile (dir) {
  const out = await runNode(['-e', `
    const { session } = require(process.argv[1])
    const ses = session.fromPath(process.argv[2])
    const exp = Math.floor(Date.now() / 1000) + 3600
    const sets = []
    for (let i = 0; i < 300; i++) sets.push(ses.cookies.set({ url: 'http://h' + i + '.test/', name: 'n', value: 'v' + i, expirationDate: exp }))
    Promise.all(sets).then(() => ses.cookies.flushStore()).then(() => console.log('{"ok":true}'))`, ADDON, dir])
  if (!out.output || !out.output.ok) throw new Error(`could not write the cookie file: ${out.stderr}`)
  return fs.readFileSync(path.join(dir, 'Cookies'))
}

// The session works in memory; flushStore() rejects with an Error naming the file.
async function inMemoryAndFlushError (t, dir, words) {
  const ses = session.fromPath(dir)
  const exp = Math.floor(Date.now() / 1000) + 3600
  t.deepEqual(await ses.cookies.get({}), [], 'nothing is read from the file')
  await ses.cookies.set({ url: 'http://127.0.0.1/', name: 'mem', value: '1', expirationDate: exp })
  t.is((await ses.cookies.get({ name: 'mem' })).length, 1)
  const error = await t.throwsAsync(ses.cookies.flushStore(), { instanceOf: Error })
  t.true(error.message.includes(path.join(dir, 'Cookies')), error.message)
  t.regex(error.message, words)
  t.regex(error.message, /kept in memory/)
}

test('X6 should refuse a Cookies file cut short, say so and leave its bytes alone', async (t) => {
  const whole = await cookieFile(tempDir('x6-source'))
  t.true(whole.length > 16384)
  for (const len of [2, 50, 100, 4096, 8192, 12288, whole.length - 4096]) {
    const dir = tempDir('x6')
    const file = path.join(dir, 'Cookies')
    fs.writeFileSync(file, whole.subarray(0, len))
    await inMemoryAndFlushError(t, dir, /is corrupt/)
    t.true(fs.readFileSync(file).equals(whole.subarray(0, len)), `length ${len}: untouched`)
  }
})

test('X7 should report a directory where the Cookies file goes and keep cookies in memory', async (t) => {
  const dir = tempDir('x7')
  fs.mkdirSync(path.join(dir, 'Cookies'))
  await inMemoryAndFlushError(t, dir, /could not be opened/)
  t.true(fs.statSync(path.join(dir, 'Cookies')).isDirectory())
})

let sqlite3 = true
try { execFileSync('sqlite3', ['-version'], { stdio: 'ignore' }) } catch { sqlite3 = false }

;(sqlite3 ? test : test.skip)('X8 should report a Cookies file another process keeps locked past the busy timeout', async (t) => {
  const dir = tempDir('x8')
  await cookieFile(dir)
  const holder = spawn('sqlite3', [path.join(dir, 'Cookies')], { stdio: ['pipe', 'ignore', 'ignore'] })
  t.teardown(() => holder.kill())
  holder.stdin.write('BEGIN EXCLUSIVE;\nINSERT OR REPLACE INTO meta VALUES (\'holder\', \'1\');\n')
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = Date.now()
  await inMemoryAndFlushError(t, dir, /is locked by another process/)
  t.true(Date.now() - started >= 2900, 'after the 3 s busy timeout')
  holder.stdin.end('ROLLBACK;\n')
})
