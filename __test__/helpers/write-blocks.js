'use strict'

// A server side that writes `count` copies of `block` as fast as the client takes them
// (waiting for 'drain'), then calls `done` (by default: ends the response). The returned
// object's `written` counts the blocks handed to `res.write` so far.
function writeBlocks (res, block, count, done = () => res.end()) {
  const state = { written: 0 }
  const pump = () => {
    while (state.written < count) {
      state.written++
      if (!res.write(block)) return res.once('drain', pump)
    }
    done()
  }
  pump()
  return state
}

module.exports = { writeBlocks }
