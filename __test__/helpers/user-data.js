'use strict'

// Every test process keeps its sessions' data (the default session and `persist:` partitions)
// in a directory of its own under the OS temp dir, never in the user's home
// (`<os.homedir()>/.electron-net-rs`, the package's default root). Loaded by ava (`require` in
// package.json and __test__/ava-worker-threads.config.cjs) and jest (`setupFiles`) before any
// test file, and required at the top of the files that look at the directory, BEFORE they
// require the package: the root is read when the first session is created.
//
// The directories are left behind on purpose: the package writes persistent cookies when the
// process exits, after anything a test could run to remove them.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const VAR = 'ELECTRON_NET_RS_USER_DATA'

// Worker threads each get their own copy of process.env: this runs once per thread and per
// process, and keeps the first directory it made there.
if (!process.env[VAR] || !process.env[VAR].startsWith(path.join(os.tmpdir(), 'electron-net-rs-test-'))) {
  process.env[VAR] = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-net-rs-test-'))
}

module.exports = { userDataDir: process.env[VAR], USER_DATA_VAR: VAR }
