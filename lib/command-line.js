'use strict'

// Electron's `app.commandLine`, for the Chromium switches the network stack reads. Only
// `host-resolver-rules` has an effect (src/request/host_mapping.rs); any other switch is kept
// and reported back by hasSwitch/getSwitchValue, as Electron does, and changes nothing.
// Like Electron, the switches start as the process's own: `node app.js
// --host-resolver-rules="MAP * 127.0.0.1"` works as `electron . --host-resolver-rules=...`.

const errors = require('./errors')

const HOST_RESOLVER_RULES = 'host-resolver-rules'

// Chromium's CommandLine: `--name=value`, `--name` or `-name`, up to a lone `--`; the prefix is
// not part of the name.
function switchesOf (argv) {
  const found = new Map()
  for (const arg of argv) {
    if (arg === '--') break
    const name = stripPrefix(arg)
    if (name === null || name === '') continue
    const eq = name.indexOf('=')
    if (eq === -1) found.set(name, '')
    else found.set(name.slice(0, eq), name.slice(eq + 1))
  }
  return found
}

function stripPrefix (text) {
  if (text.startsWith('--')) return text.slice(2)
  if (text.startsWith('-') && text.length > 1) return text.slice(1)
  return null
}

const switches = switchesOf(process.argv.slice(2))
const args = []
// Told the new rules when host-resolver-rules changes (lib/session.js applies them).
let rulesListener = null

function stringArgument (value, index) {
  if (typeof value !== 'string') throw errors.conversionFailure(index, value)
  return value
}

function changed (name) {
  if (name === HOST_RESOLVER_RULES && rulesListener !== null) rulesListener(hostResolverRules())
}

class CommandLine {
  // appendSwitch('name') or appendSwitch('name', 'value'): a value that is not a string is
  // left out, as Electron's gin arguments leave it. A switch already there takes the new value.
  appendSwitch (theSwitch, value) {
    const name = stripPrefix(stringArgument(theSwitch, 0)) ?? theSwitch
    switches.set(name, typeof value === 'string' ? value : '')
    changed(name)
  }

  appendArgument (value) {
    args.push(stringArgument(value, 0))
  }

  hasSwitch (theSwitch) {
    return switches.has(stringArgument(theSwitch, 0))
  }

  getSwitchValue (theSwitch) {
    return switches.get(stringArgument(theSwitch, 0)) ?? ''
  }

  removeSwitch (theSwitch) {
    const name = stringArgument(theSwitch, 0)
    if (switches.delete(name)) changed(name)
  }
}

const commandLine = new CommandLine()

function hostResolverRules () {
  return switches.get(HOST_RESOLVER_RULES) ?? ''
}

function onHostResolverRules (listener) {
  rulesListener = listener
}

module.exports = { commandLine, CommandLine, hostResolverRules, onHostResolverRules }
