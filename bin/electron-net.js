#!/usr/bin/env node
'use strict'

// `electron-net <url>` (also `npx electron-net-rs <url>`): see lib/cli/main.js and the README's
// "Command line" section.

const { main, PROGRAM } = require('../lib/cli/main')

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr })
  .catch((error) => {
    process.stderr.write(`${PROGRAM}: ${error && error.message}\n`)
    return 1
  })
  .then((code) => {
    // Exits at once: pooled keep-alive connections have nothing more to do. The empty write
    // waits for what stdout still holds.
    process.exitCode = code
    process.stdout.write('', () => process.exit(code))
  })
