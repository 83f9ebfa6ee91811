'use strict'

const { execFile } = require('node:child_process')

// Runs `node ...args` and resolves (never rejects) with how it ended, when, and the JSON object
// on the last line it printed: for tests that a process exits by itself.
function runNode (args, env = {}) {
  return new Promise((resolve) => {
    const startedAt = Date.now()
    execFile(process.execPath, args, { timeout: 15000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const lines = stdout.trim().split('\n').filter(Boolean)
        resolve({
          code: error ? error.code : 0,
          killed: error ? error.killed : false,
          // Set when the process died of a signal it did not ask for (e.g. SIGSEGV, SIGABRT).
          signal: error && !error.killed ? error.signal : null,
          stderr,
          startedAt,
          exitedAt: Date.now(),
          output: lines.length ? JSON.parse(lines.at(-1)) : null
        })
      })
  })
}

module.exports = { runNode }
