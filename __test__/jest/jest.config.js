'use strict'

// The jest suite (`npm run test:jest`): three files, each loading the package in its own
// module registry as jest does (the native addon itself is loaded once per process). A hang
// fails the test after testTimeout; every file aborts what it left in flight, so jest exits on
// its own (no --forceExit). maxWorkers 2 with three files: even when jest uses workers, one of
// them runs two files, so "a second load in the same process" is always exercised.
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.test.js'],
  testEnvironment: 'node',
  // Sessions keep their data in a temp directory, never in the user's home.
  setupFiles: ['<rootDir>/../helpers/user-data.js'],
  testTimeout: 10000,
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB'
}
