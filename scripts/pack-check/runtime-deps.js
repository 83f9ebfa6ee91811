// Packs the package's runtime dependencies (the CLI's cli-progress and what it needs), as the
// checkout's node_modules holds them, into tarballs in the directory given, and prints the
// `overrides` that point an install at them. pack-check installs offline: npm 11 resolves a
// dependency of a tarball through the registry's full packument, which the checkout's own
// install never caches (it reads the abbreviated one), so the cache alone cannot serve it.
'use strict'
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const out = process.argv[2]
const root = path.resolve(__dirname, '../..')
const found = new Map() // name -> { dir, version }

function walk (fromDir, deps) {
  for (const name of Object.keys(deps || {})) {
    const manifest = require.resolve(`${name}/package.json`, { paths: [fromDir] })
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'))
    const seen = found.get(name)
    if (seen) {
      // One override per name: two versions of one package would need a finer rule.
      if (seen.version !== pkg.version) throw new Error(`two versions of ${name}: ${seen.version} and ${pkg.version}`)
      continue
    }
    const dir = path.dirname(manifest)
    found.set(name, { dir, version: pkg.version })
    walk(dir, pkg.dependencies)
  }
}

walk(root, require(path.join(root, 'package.json')).dependencies)
const overrides = {}
if (found.size) {
  fs.mkdirSync(out, { recursive: true })
  const dirs = [...found.values()].map((d) => d.dir)
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out, ...dirs], { encoding: 'utf8' }))
  for (const p of packed) overrides[p.name] = `file:${path.join(out, p.filename)}`
}
process.stdout.write(JSON.stringify(overrides))
