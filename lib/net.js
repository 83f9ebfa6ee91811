'use strict'

const { ClientRequest } = require('./client-request')

// Electron's `net` (reference §1.1); the addon is always "ready", so no app-ready check.
const net = {
  request (options, callback) {
    return new ClientRequest(options, callback)
  }
}

module.exports = { net }
