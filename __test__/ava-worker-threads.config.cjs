'use strict'

// `npm run test:ava-workers`: a few spec files run the way ava runs them by default, in worker
// threads of one process (the main config turns that off), with two files at a time: the
// package is then loaded in several threads, one after the other and at once. These files
// need neither --expose-gc nor environment variables of their own.
module.exports = {
  files: [
    '__test__/headers.spec.js',
    '__test__/redirect.spec.js',
    '__test__/events-order.spec.js',
    '__test__/abort.spec.js'
  ],
  workerThreads: true,
  concurrency: 2,
  timeout: '20s'
}
