'use strict'

const os = require('node:os')
const { ClientRequest } = require('./client-request')
const { session } = require('./session')

// net.isOnline() / net.online (reference §11): Chromium's !NetworkChangeNotifier::IsOffline(),
// i.e. some network interface other than loopback is up with an address (on Linux, tunnel
// interfaces, `tun*`, do not count: AddressTrackerLinux leaves them out). Node's
// os.networkInterfaces() is exactly that list: libuv's getifaddrs() keeps interfaces that are
// up and running with an address and marks loopback ones `internal`. No traffic is sent. It
// costs tens of microseconds, so one answer serves every call for a second.
const ONLINE_CHECK_INTERVAL_MS = 1000
let onlineCheckedAt = -Infinity
let online = true

function isOnline () {
  const now = performance.now()
  if (now - onlineCheckedAt < ONLINE_CHECK_INTERVAL_MS) return online
  online = hasUsableInterface()
  onlineCheckedAt = now
  return online
}

function hasUsableInterface () {
  let interfaces
  try {
    interfaces = os.networkInterfaces()
  } catch {
    // The list cannot be read: unknown, which Chromium counts as online ("true guarantees
    // nothing", only false means offline).
    return true
  }
  for (const name of Object.keys(interfaces)) {
    if (process.platform === 'linux' && name.startsWith('tun')) continue
    if (interfaces[name].some((address) => !address.internal)) return true
  }
  return false
}

// Electron's `net` (reference §1.1, §11); the addon is always "ready", so no app-ready check.
const net = {
  // Reference §1.1: the default session's fetch.
  fetch (input, init) {
    return session.defaultSession.fetch(input, init)
  },
  request (options, callback) {
    return new ClientRequest(options, callback)
  },
  // The default session's (Electron's net.ts passes both arguments on).
  resolveHost (host, options) {
    return session.defaultSession.resolveHost(host, options)
  },
  isOnline,
  get online () {
    return isOnline()
  }
}

module.exports = { net }
