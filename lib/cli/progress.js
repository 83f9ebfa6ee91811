'use strict'

// The progress bar on stderr for uploads and downloads (cli-progress). Only on a terminal:
// `createProgress` returns a bar that does nothing when it is not wanted, so the caller never
// checks. Cursor and line wrapping are left alone: a bar interrupted by Ctrl-C leaves the
// terminal as it was.

const cliProgress = require('cli-progress')

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

function formatBytes (n) {
  let value = n
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}

// `label` ('upload', 'download'), then a bar and a percentage when the size is known, or the
// bytes so far when it is not (a chunked or decoded body).
function format (options, params, payload) {
  const done = formatBytes(params.value)
  if (!payload.known) return `${payload.label} ${done}`
  const percent = Math.floor(params.progress * 100)
  return `${payload.label} [${cliProgress.Format.BarFormat(params.progress, options)}] ${percent}% ${done} / ${formatBytes(params.total)}`
}

const NO_PROGRESS = { upload () {}, download () {}, stop () {} }

// One bar at a time: the upload's, then the download's. `total` is undefined when unknown.
function createProgress (stream, wanted) {
  if (!wanted || !stream.isTTY) return NO_PROGRESS
  let bar = null
  let label = null
  const show = (which, current, total) => {
    if (label !== which) {
      if (bar) bar.stop()
      label = which
      bar = new cliProgress.SingleBar({ stream, format, barsize: 30, fps: 10, linewrap: true }, cliProgress.Presets.shades_classic)
      bar.start(total || 0, current, { label: which, known: total > 0 })
      return
    }
    if (total > 0 && total !== bar.getTotal()) bar.setTotal(total)
    bar.update(current)
  }
  return {
    upload: (current, total) => show('upload', current, total),
    download: (current, total) => show('download', current, total),
    stop () {
      if (bar) bar.stop()
      bar = null
    }
  }
}

module.exports = { createProgress, formatBytes }
