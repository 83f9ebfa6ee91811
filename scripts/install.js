'use strict'

// The package's `install` step. npm has already put the prebuilt addon for this platform in
// place when one is published (the `electron-net-rs-<platform>` package, an optional dependency
// that npm installs only where its os/cpu/libc match), so this only checks that it loads.
// Without one it builds the addon from source, which needs a Rust toolchain; with neither it
// fails and says which is missing.
//
// In the development checkout (a git work tree) it always builds, as `npm install` did before
// prebuilt addons: a .node already there may be older than src/.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const target = require('../lib/native-target')

const root = path.join(__dirname, '..')
const platform = target.platformArchAbi()
const log = (line) => console.error(`${target.PACKAGE}: ${line}`)

// Loads binding.js as the package will (local build first, then the platform package) and
// returns the .node file it loaded, or null.
function loadableAddon () {
  try {
    require(path.join(root, 'binding.js'))
  } catch {
    return null
  }
  const loaded = Object.keys(require.cache).find((file) => file.endsWith('.node'))
  return loaded ? path.relative(root, loaded) : 'an addon'
}

function hasCargo () {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0
}

// Resolvable in the development checkout (a dev dependency), not for a user installing the
// package from the registry.
function hasNapiCli () {
  try {
    require.resolve('@napi-rs/cli/package.json', { paths: [root] })
    return true
  } catch {
    return false
  }
}

function run (command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.error) throw result.error
  if (result.status !== 0) {
    log(`\`${[command, ...args].join(' ')}\` failed (exit ${result.status})`)
    process.exit(result.status || 1)
  }
  return result
}

// The development build: `npm run build` (napi build), which also writes binding.js and
// binding.d.ts.
function buildWithNapiCli () {
  const npm = process.env.npm_execpath
  if (npm) run(process.execPath, [npm, 'run', 'build'])
  else run('npm', ['run', 'build'], { shell: process.platform === 'win32' })
}

// What `napi build --platform --release` does, with cargo alone (the napi CLI is a dev
// dependency): build the cdylib and copy it to the name binding.js loads. cargo reports where
// the library went (the target dir may be set by CARGO_TARGET_DIR or .cargo/config).
function buildWithCargo () {
  const args = ['build', '--release', '--lib', '--message-format=json-render-diagnostics']
  log(`building the addon from source: cargo ${args.join(' ')}`)
  const result = run('cargo', args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 })
  let library = null
  for (const line of result.stdout.toString().split('\n')) {
    if (!line.startsWith('{')) continue
    const message = JSON.parse(line)
    if (message.reason === 'compiler-artifact' && message.target.kind.includes('cdylib')) {
      library = message.filenames.find((file) => /\.(so|dylib|dll)$/.test(file))
    }
  }
  if (!library) {
    log('cargo built no cdylib (see its output above)')
    process.exit(1)
  }
  const destination = path.join(root, target.localAddonFile(platform))
  fs.copyFileSync(library, destination)
  log(`built ${path.relative(root, destination)}`)
}

function prebuiltPlatforms () {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  const prefix = `${target.PACKAGE}-`
  return Object.keys(pkg.optionalDependencies || {})
    .filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length))
}

// Why the prebuilt addon is not there: not installed (and whether it exists for this platform),
// or installed but not loadable here (e.g. a glibc older than the one it was built against).
function prebuiltMissing () {
  const name = target.prebuiltPackage(platform)
  try {
    require(require.resolve(name, { paths: [root] }))
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') {
      return `the prebuilt addon in ${name} does not load here (${String(err.message).split('\n')[0]})`
    }
  }
  const published = prebuiltPlatforms()
  return `the package ${name} (${published.includes(platform)
    ? 'an optional dependency for this platform: skipped by --omit=optional or a registry error?'
    : `prebuilt addons exist for: ${published.join(', ') || 'none in this copy of the package'}`})`
}

function failWithoutRust () {
  log([
    `no usable prebuilt addon for this platform (${platform}) and no Rust toolchain to build one from source.`,
    `  missing: ${prebuiltMissing()}`,
    '  missing: cargo on PATH (a Rust toolchain, https://rustup.rs; the build also needs a C compiler)',
    '  with either of them, run npm install again'
  ].join('\n'))
  process.exit(1)
}

function main () {
  const devCheckout = fs.existsSync(path.join(root, '.git'))
  if (!devCheckout) {
    const addon = loadableAddon()
    if (addon) return log(`using the prebuilt addon ${addon}`)
  }
  if (hasCargo()) return hasNapiCli() ? buildWithNapiCli() : buildWithCargo()
  // A development checkout without Rust can still run with an addon built earlier.
  const addon = loadableAddon()
  if (addon) return log(`cargo not found on PATH: not rebuilding, using ${addon}`)
  failWithoutRust()
}

main()
