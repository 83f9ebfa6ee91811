'use strict'

// Draws results/latest.json as an SVG bar chart: per workload, each client's ratio to undici
// (the dashed line at 1). No dependencies. `node chart.js` redraws from the saved results.

const fs = require('node:fs')
const path = require('node:path')

const COLORS = { undici: '#9e9e9e', 'electron-net-rs': '#1565c0', 'node-http': '#43a047', fetch: '#fb8c00', reqwest: '#8e24aa' }

function draw (results, file) {
  const workloads = Object.entries(results.workloads)
  const clients = Object.keys(COLORS)
  const max = Math.max(1.5, ...workloads.flatMap(([, w]) => clients.map((c) => w.clients[c]?.ratio || 0)))
  const scale = Math.ceil(max)
  // Wide enough for every workload's group of bars (W1-W11 and the cache ones).
  const W = Math.max(900, 80 + workloads.length * 75)
  const H = 420
  const left = 60
  const top = 40
  const plotH = 300
  const groupW = (W - left - 20) / workloads.length
  const barW = (groupW - 20) / clients.length
  const y = (v) => top + plotH - (v / scale) * plotH
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`)
  out.push('<rect width="100%" height="100%" fill="white"/>')
  out.push(`<text x="${left}" y="22" font-size="15">Ratio to undici (higher is better), ${results.server}</text>`)
  for (let v = 0; v <= scale; v += 0.5) {
    out.push(`<line x1="${left}" x2="${W - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`)
    out.push(`<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}x</text>`)
  }
  out.push(`<line x1="${left}" x2="${W - 20}" y1="${y(1)}" y2="${y(1)}" stroke="#555" stroke-dasharray="4 3"/>`)
  workloads.forEach(([name, w], i) => {
    const x0 = left + i * groupW + 10
    clients.forEach((c, j) => {
      const r = w.clients[c]
      if (!r || r.ratio === undefined) return
      const x = x0 + j * barW
      out.push(`<rect x="${x}" y="${y(r.ratio)}" width="${barW - 2}" height="${top + plotH - y(r.ratio)}" fill="${COLORS[c]}"><title>${c}: ${r.ratio.toFixed(2)}x</title></rect>`)
      out.push(`<text x="${x + (barW - 2) / 2}" y="${y(r.ratio) - 3}" text-anchor="middle" font-size="9">${r.ratio.toFixed(1)}</text>`)
    })
    out.push(`<text x="${x0 + (groupW - 20) / 2}" y="${top + plotH + 18}" text-anchor="middle">${name}</text>`)
  })
  clients.forEach((c, j) => {
    const x = left + j * 150
    out.push(`<rect x="${x}" y="${H - 40}" width="12" height="12" fill="${COLORS[c]}"/><text x="${x + 18}" y="${H - 30}">${c}</text>`)
  })
  out.push('</svg>')
  fs.writeFileSync(file, out.join('\n') + '\n')
}

if (require.main === module) {
  const dir = path.join(__dirname, 'results')
  draw(JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8')), path.join(dir, 'latest.svg'))
}

module.exports = { draw }
