'use strict'

// Where cookies live on disk (issue 18 "Persistence" and "Where a session lives"; reference §10:
// persistent sessions keep cookies, session cookies are neither kept nor restored). Two child
// processes share a user-data directory (fixtures/cookies-persist.js); the failure cases run
// in this process, under the temp root helpers/user-data.js gives it.
//
// Test list → where it comes from (E-session = Electron spec/api-session-spec.ts, I18 = the issue):
//  P1  I18 child 1 sets a persistent and a session cookie in persist:p and the default session and calls
//      flushStore(); child 2 sees only the persistent ones, every field intact. Child 1 names the root
//      with session.setUserDataPath, child 2 with ELECTRON_NET_RS_USER_DATA. The file is <root>/Partitions/p/Cookies.
//  P2  I18 a process that exits without flushStore() still writes (the exit flush)
//  P3  E-session 'should survive an app restart for persistent partition' (its cookie-app fixture: '011' then
//      '110'), and a third run sees the removal of the second
//  P4  I18 in-memory partitions write nothing under the root
//  P5  I18 where sessions live: default root <os.homedir()>/.electron-net-rs, defaultSession there and
//      persistent, persist:<name> under Partitions/<name>; the env variable and setUserDataPath move it
//  P6  I18 session.fromPath(abs) keeps its cookies across processes
//  P7  I18 a corrupt Cookies file: the session works in memory, flushStore() rejects naming the file and
//      saying corrupt, the file's bytes are untouched, nothing is lost
//  P8  I18 a read-only storage directory: same, with a clear error (as root: made immutable with chattr; skipped where neither works)
//  P9  I18 a storage directory that cannot be created (a file is in its way): same; runs as root too
//  P10 I18 setUserDataPath() after a session exists throws

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const { execFile, execFileSync } = require('node:child_process')
const test = require('ava')
const { userDataDir, USER_DATA_VAR } = require('./helpers/user-data')
const { session } = require('..')

const FIXTURE = path.join(__dirname, 'fixtures', 'cookies-persist.js')
const tempDir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `electron-net-rs-test-${name}-`))

// Runs the fixture with neither this process's user-data variable nor its home: `env` says what
// the child gets (HOME is a fresh temp dir unless given, so that a default root never lands in
// the real home). Resolves with the exit code, stderr and the JSON the child printed.
function runFixture (args, env = {}) {
  const childEnv = { ...process.env, HOME: tempDir('home'), ...env }
  if (!(USER_DATA_VAR in env)) delete childEnv[USER_DATA_VAR]
  return new Promise((resolve) => {
    execFile(process.execPath, [FIXTURE, ...args], { timeout: 15000, env: childEnv }, (error, stdout, stderr) => {
      const lines = stdout.trim().split('\n').filter(Boolean)
      resolve({ code: error ? error.code : 0, stderr, output: lines.length ? JSON.parse(lines.at(-1)) : null })
    })
  })
}

// Every file under `dir`, relative to it.
function filesUnder (dir) {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile())
}

test('P1 should keep persistent cookies for the next process and drop session cookies', async (t) => {
  const dir = tempDir('p1')
  const first = await runFixture(['write', dir], { [USER_DATA_VAR]: tempDir('decoy') })
  t.is(first.code, 0, first.stderr)
  t.is(first.output.written.p.length, 1)
  t.true(fs.statSync(path.join(dir, 'Partitions', 'p', 'Cookies')).isFile(), 'persist:p keeps its cookies in <root>/Partitions/p/Cookies')
  const second = await runFixture(['read'], { [USER_DATA_VAR]: dir })
  t.is(second.code, 0, second.stderr)
  t.deepEqual(second.output.p, first.output.written.p, 'only the persistent cookie, every field as written')
  t.deepEqual(second.output.default, first.output.written.default, 'the default session is persistent too')
  t.is(second.output.p[0].value, 'p')
  t.is(second.output.default[0].value, 'default')
})

test('P1 should write to the setUserDataPath directory, not the environment\'s', async (t) => {
  const dir = tempDir('p1-precedence')
  const decoy = tempDir('p1-decoy')
  const r = await runFixture(['write', dir], { [USER_DATA_VAR]: decoy })
  t.is(r.code, 0, r.stderr)
  t.deepEqual(filesUnder(decoy), [])
  t.not(filesUnder(dir).length, 0)
})

test('P2 should write cookies when the process exits without flushStore()', async (t) => {
  const dir = tempDir('p2')
  const first = await runFixture(['write-no-flush', dir])
  t.is(first.code, 0, first.stderr)
  const second = await runFixture(['read', dir])
  t.is(second.code, 0, second.stderr)
  t.deepEqual(second.output.p.map((c) => c.name), ['unflushed'])
})

test('P3 should survive an app restart for a persistent partition (E-session, its cookie-app fixture)', async (t) => {
  const dir = tempDir('p3')
  const one = await runFixture(['electron-cookie-app', dir], { PHASE: 'one' })
  t.is(one.code, 0, one.stderr)
  t.is(one.output.counts, '011')
  const two = await runFixture(['electron-cookie-app', dir], { PHASE: 'two' })
  t.is(two.code, 0, two.stderr)
  t.is(two.output.counts, '110')
  const three = await runFixture(['electron-cookie-app', dir], { PHASE: 'three' })
  t.is(three.output.counts, '011', 'the removal in phase two was written as well')
})

test('P4 should write nothing for in-memory partitions', async (t) => {
  const dir = tempDir('p4')
  const r = await runFixture(['memory', dir])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output, { count: 1, persistent: false })
  t.deepEqual(fs.readdirSync(dir, { recursive: true }), [])
})

test('P5 should put sessions under the default root, the environment\'s, or setUserDataPath\'s', async (t) => {
  const home = tempDir('p5-home')
  // Electron's userData is <appData>/<app>; ours is <appData>/electron-net-rs (README).
  const byDefault = await runFixture(['paths'], { HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: '', APPDATA: '' })
  t.is(byDefault.code, 0, byDefault.stderr)
  const appData = process.platform === 'win32'
    ? path.join(home, 'AppData', 'Roaming')
    : process.platform === 'darwin' ? path.join(home, 'Library', 'Application Support') : path.join(home, '.config')
  const root = path.join(appData, 'electron-net-rs')
  t.deepEqual(byDefault.output, { default: root, defaultPersistent: true, x: path.join(root, 'Partitions', 'x'), memory: null })
  const envDir = tempDir('p5-env')
  const byEnv = await runFixture(['paths'], { HOME: home, [USER_DATA_VAR]: envDir })
  t.is(byEnv.output.default, envDir)
  t.is(byEnv.output.x, path.join(envDir, 'Partitions', 'x'))
  const callDir = tempDir('p5-call')
  const byCall = await runFixture(['paths', callDir], { HOME: home })
  t.is(byCall.output.default, callDir)
  t.is(byCall.output.x, path.join(callDir, 'Partitions', 'x'))
})

test('P6 should keep a fromPath session\'s cookies across processes', async (t) => {
  const dir = tempDir('p6')
  const at = tempDir('p6-path')
  const first = await runFixture(['from-path-write', dir, at])
  t.is(first.code, 0, first.stderr)
  const second = await runFixture(['from-path-read', dir, at])
  t.is(second.code, 0, second.stderr)
  t.deepEqual(second.output.cookies, ['from-path'])
})

const url = 'http://127.0.0.1/'
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

// Sets a persistent and a session cookie, then checks that the session still has them after a
// flushStore() that must fail, and returns that failure.
async function workInMemoryThenFailToFlush (t, ses) {
  await ses.cookies.set({ url, name: 'persistent', value: '1', expirationDate: inAnHour() })
  await ses.cookies.set({ url, name: 'session', value: '1' })
  t.deepEqual((await ses.cookies.get({ url })).map((c) => c.name).sort(), ['persistent', 'session'])
  const error = await t.throwsAsync(ses.cookies.flushStore(), { instanceOf: Error })
  t.deepEqual((await ses.cookies.get({ url })).map((c) => c.name).sort(), ['persistent', 'session'], 'nothing was lost')
  await ses.cookies.set({ url, name: 'after', value: '1' })
  t.is((await ses.cookies.get({ name: 'after' })).length, 1, 'and it keeps working')
  return error
}

test('P7 should keep working in memory over a corrupt Cookies file and say so on flushStore()', async (t) => {
  const dir = path.join(userDataDir, 'Partitions', 'corrupt')
  const file = path.join(dir, 'Cookies')
  fs.mkdirSync(dir, { recursive: true })
  const bytes = crypto.randomBytes(8192)
  fs.writeFileSync(file, bytes)
  const ses = session.fromPartition('persist:corrupt')
  t.is(ses.storagePath, dir)
  const error = await workInMemoryThenFailToFlush(t, ses)
  t.true(error.message.includes(file), error.message)
  t.regex(error.message, /corrupt/i)
  t.true(fs.readFileSync(file).equals(bytes), 'the corrupt file was left as it was')
})

// A directory this process cannot write into: read-only by its mode, or, where that does not
// stop this user (root), immutable (`chattr +i`, ext4 and most Linux file systems). Null when
// neither can be had.
function readOnlyDir () {
  const dir = path.join(userDataDir, 'Partitions', 'readonly')
  fs.mkdirSync(dir, { recursive: true })
  fs.chmodSync(dir, 0o555)
  const writable = () => {
    try {
      fs.writeFileSync(path.join(dir, 'probe'), '')
      fs.rmSync(path.join(dir, 'probe'))
      return true
    } catch {
      return false
    }
  }
  if (!writable()) return { dir, undo: () => fs.chmodSync(dir, 0o755) }
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' })
  } catch {
    fs.chmodSync(dir, 0o755)
    return null
  }
  const undo = () => {
    try { execFileSync('chattr', ['-i', dir], { stdio: 'ignore' }) } catch {}
    fs.chmodSync(dir, 0o755)
  }
  // Never leave an immutable directory behind, whatever ends the process.
  process.once('exit', undo)
  if (writable()) {
    undo()
    return null
  }
  return { dir, undo }
}
const readOnly = readOnlyDir()

;(readOnly ? test : test.skip)('P8 should keep working in memory in a read-only directory and say so on flushStore()', async (t) => {
  t.teardown(() => readOnly.undo())
  const ses = session.fromPartition('persist:readonly')
  t.is(ses.storagePath, readOnly.dir)
  const error = await workInMemoryThenFailToFlush(t, ses)
  t.true(error.message.includes(readOnly.dir), error.message)
  t.deepEqual(fs.readdirSync(readOnly.dir), [])
})

test('P9 should keep working in memory when the storage directory cannot be made and say so on flushStore()', async (t) => {
  const blocked = path.join(userDataDir, 'Partitions', 'blocked')
  fs.mkdirSync(path.dirname(blocked), { recursive: true })
  fs.writeFileSync(blocked, 'a file where the directory should be')
  const ses = session.fromPartition('persist:blocked')
  t.is(ses.storagePath, blocked)
  const error = await workInMemoryThenFailToFlush(t, ses)
  t.true(error.message.includes(blocked), error.message)
  t.is(fs.readFileSync(blocked, 'utf8'), 'a file where the directory should be')
})

test('P10 should refuse setUserDataPath() once a session exists', (t) => {
  session.fromPartition('exists-already')
  t.throws(() => session.setUserDataPath(tempDir('p10')), { instanceOf: Error })
  t.is(session.defaultSession.storagePath, userDataDir)
})
