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
// Transports for other HTTP libraries; none of them loads axios or got (README "Use with axios
// and got").
const { axiosAdapter } = require('./lib/adapters/axios')
const { gotRequest } = require('./lib/adapters/got')
const { request } = require('./lib/adapters/request')

// Requests started and not yet finished, for diagnostics and leak checks.
const inflightCount = () => bridge.binding().inflightCount()

// Shorthand names only: Node finds an ESM import's named exports (`import { net } from ...`) by
// reading this literal, and stops at the first entry of another form.
module.exports = {
  app,
  net,
  session,
  Session,
  ClientRequest,
  IncomingMessage,
  inflightCount,
  axiosAdapter,
  gotRequest,
  request
}
