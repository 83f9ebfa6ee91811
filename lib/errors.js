'use strict'

// The one place that turns the engine's error kinds into the Errors users see.
// Electron's form (reference §9): a plain Error whose message is `net::ERR_<NAME>`, no `code`.
function netError (name) {
  return new Error(`net::${name}`)
}

module.exports = { netError }
