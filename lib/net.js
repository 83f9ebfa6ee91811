'use strict'

const { ClientRequest } = require('./client-request')
const { session } = require('./session')

// Electron's `net` (reference §1.1); the addon is always "ready", so no app-ready check.
const net = {
  // Reference §1.1: the default session's fetch.
  fetch (input, init) {
    return session.defaultSession.fetch(input, init)
  },
  request (options, callback) {
    return new ClientRequest(options, callback)
  }
}

module.exports = { net }
