'use strict'

// `npm run test:ava-workers`: a few spec files run the way ava runs them by default, in worker
// threads of one process (the main config turns that off), with two files at a time: the
// package is then loaded in several threads, one after the other and at once. These files
// need neither --expose-gc nor environment variables of their own (the user-data root comes from
// the `require` below).
module.exports = {
  files: [
    '__test__/headers.spec.js',
    '__test__/redirect.spec.js',
    '__test__/events-order.spec.js',
    '__test__/abort.spec.js'
  ],
  // Sessions keep their data in a temp directory, never in the user's home.
  require: ['./__test__/helpers/user-data.js'],
  workerThreads: true,
  concurrency: 2,
  timeout: '20s'
}
