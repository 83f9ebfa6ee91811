'use strict'

// What jest (one module registry per test file), vitest, mocha --watch and hot-reload tools do:
// a second, independent copy of the package's JavaScript, over the same native addon (Node
// loads a .node file once per process; its entry in require.cache is kept as it is).

const path = require('node:path')

const root = path.resolve(__dirname, '..', '..')
const lib = path.join(root, 'lib') + path.sep

function isPackageJs (file) {
  return file === path.join(root, 'index.js') || file === path.join(root, 'binding.js') ||
    (file.startsWith(lib) && file.endsWith('.js'))
}

// Drops the package's JS modules from require.cache (and from this module's children, where
// Node's module system would otherwise keep the old copy reachable) and requires the package
// again.
function loadFreshCopy () {
  for (const file of Object.keys(require.cache)) {
    if (isPackageJs(file)) delete require.cache[file]
  }
  module.children = module.children.filter((child) => !isPackageJs(child.filename))
  return require(root)
}

module.exports = { loadFreshCopy }
