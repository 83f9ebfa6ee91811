'use strict'

const { net } = require('./lib/net')
const { session, Session } = require('./lib/session')
const { ClientRequest } = require('./lib/client-request')
const { IncomingMessage } = require('./lib/incoming-message')
const bridge = require('./lib/bridge')
const { commandLine } = require('./lib/command-line')

// Electron's `app`, with only what the network stack reads: `app.commandLine` (its
// host-resolver-rules switch).
const app = { commandLine }

module.exports = {
  app,
  net,
  session,
  Session,
  ClientRequest,
  IncomingMessage,
  // Requests started and not yet finished, for diagnostics and leak checks.
  inflightCount: () => bridge.binding().inflightCount()
}
