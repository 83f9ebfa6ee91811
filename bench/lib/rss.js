'use strict'

// Peak RSS of a child process, read from outside it: VmHWM from /proc, polled until it exits.
const fs = require('node:fs')

function watchPeakRss (pid) {
  let peakKiB = 0
  const read = () => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
      const m = /VmHWM:\s+(\d+) kB/.exec(status)
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]))
    } catch {}
  }
  const timer = setInterval(read, 25)
  read()
  return () => { clearInterval(timer); read(); return peakKiB / 1024 }
}

module.exports = { watchPeakRss }
