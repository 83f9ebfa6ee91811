'use strict'

// Which native addon the package looks for: the names the install step (scripts/install.js)
// builds and reports must be the ones napi-rs's generated loader (binding.js) loads, and when
// no addon loads, the user is told which files were looked for.

const fs = require('node:fs')
const path = require('node:path')
const test = require('ava')
const target = require('../lib/native-target')
const { recordingServer } = require('./helpers/listen')
const { runNode } = require('./helpers/child')

const loader = fs.readFileSync(path.join(__dirname, '..', 'binding.js'), 'utf8')

// napi-rs's platform names (@napi-rs/cli's platformArchABI), one per kind of suffix.
const platforms = [
  ['linux', 'x64', false, 'linux-x64-gnu'],
  ['linux', 'x64', true, 'linux-x64-musl'],
  ['linux', 'arm64', false, 'linux-arm64-gnu'],
  ['linux', 'arm', false, 'linux-arm-gnueabihf'],
  ['linux', 'arm', true, 'linux-arm-musleabihf'],
  ['linux', 'riscv64', false, 'linux-riscv64-gnu'],
  ['darwin', 'arm64', false, 'darwin-arm64'],
  ['win32', 'x64', false, 'win32-x64-msvc'],
  ['win32', 'ia32', false, 'win32-ia32-msvc'],
  ['freebsd', 'x64', false, 'freebsd-x64'],
  ['android', 'arm64', false, 'android-arm64'],
  ['android', 'arm', false, 'android-arm-eabi']
]

test('should name each platform\'s addon as the generated loader loads it', (t) => {
  for (const [platform, arch, musl, expected] of platforms) {
    const name = target.platformArchAbi(platform, arch, musl)
    t.is(name, expected, `${platform} ${arch}${musl ? ' musl' : ''}`)
    t.true(loader.includes(`require('./${target.localAddonFile(name)}')`), `binding.js loads ./${target.localAddonFile(name)}`)
    t.true(loader.includes(`require('${target.prebuiltPackage(name)}')`), `binding.js loads ${target.prebuiltPackage(name)}`)
  }
})

test('should fail the first request with an error naming the missing addon when none loads', async (t) => {
  const srv = await recordingServer(t)
  const script = `
    const request = require(${JSON.stringify(path.join(__dirname, '..'))}).net.request(process.argv[1])
    request.on('error', (err) => console.log(JSON.stringify({ message: err.message, cause: String(err.cause && err.cause.message) })))
    request.end()`
  // The loader's override: only this file is tried, so nothing loads.
  const child = await runNode(['-e', script, `${srv.url}/never`], {
    NAPI_RS_NATIVE_LIBRARY_PATH: path.join(__dirname, 'no-such-addon.node')
  })
  t.is(child.code, 0, child.stderr)
  const platform = target.platformArchAbi()
  t.true(child.output.message.includes(`no native addon for ${platform}`), child.output.message)
  t.true(child.output.message.includes(`electron-net-rs-${platform}`), child.output.message)
  t.true(child.output.message.includes(`electron-net-rs.${platform}.node`), child.output.message)
  t.regex(child.output.cause, /Cannot find native binding/)
  t.is(srv.seen.length, 0)
})
