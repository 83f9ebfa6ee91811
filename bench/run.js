'use strict'

// npm run bench [-- --quick]: every client runs every workload, interleaved round by round
// (A B C, A B C, ...) so machine drift hits all alike. Reports medians, each as a ratio to
// undici in the same run, and each client's peak RSS (read from /proc, outside the process).
// Writes results/latest.json and results/latest.md; chart.js draws results/latest.svg.
// First it prints the machine's first-touch cost (lib/first-touch.js), which large downloads
// depend on, so runs on different machines can be told apart.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServers, RUST_BIN } = require('./lib/servers')
const { watchPeakRss } = require('./lib/rss')
const { firstTouch } = require('./lib/first-touch')

const quick = process.argv.includes('--quick')
// --only=W1,W3 runs a subset (for quick iterations; docs/PERFORMANCE.md's table uses every workload).
const onlyArg = process.argv.find((a) => a.startsWith('--only='))
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : null
const ROUNDS = quick ? 3 : 5
const WORKLOADS = {
  W1: { title: 'W1 GET 1 KiB, concurrency 1', unit: 'req/s', n: quick ? 4000 : 20000, higherIsBetter: true },
  W2: { title: 'W2 GET 1 KiB, concurrency 64', unit: 'req/s', n: quick ? 10000 : 50000, higherIsBetter: true },
  W3: { title: 'W3 GET 256 MiB, body discarded', unit: 'MB/s', n: 1, higherIsBetter: true },
  W4: { title: 'W4 POST 256 MiB streamed (chunked), 64 KiB writes', unit: 'MB/s', n: 1, higherIsBetter: true },
  W4b: { title: 'W4b the same in 1 MiB writes', unit: 'MB/s', n: 1, higherIsBetter: true },
  W5: { title: 'W5 1,000 concurrent GET 64 KiB', unit: 'ms', n: 1000, higherIsBetter: false },
  // The HTTP cache (issue 21): the same GET answered by a fresh entry, and revalidated by a 304
  // each time; undici has no cache, so its figure is the uncached one. Needs nginx (/cached/,
  // /revalidate/); only the clients named run them.
  W1c: { title: 'W1c GET 1 KiB, fresh in the HTTP cache, concurrency 1', unit: 'req/s', n: quick ? 4000 : 20000, higherIsBetter: true, clients: ['undici', 'electron-net-rs', 'baseline'] },
  W1v: { title: 'W1v GET 1 KiB, revalidated (304) each time, concurrency 1', unit: 'req/s', n: quick ? 4000 : 20000, higherIsBetter: true, clients: ['undici', 'electron-net-rs', 'baseline'] },
  // TLS (issue 23): `origin` names the server (lib/servers.js): 'https' speaks HTTP/1.1 only,
  // 'h2' lets ALPN pick h2. node-http is node:https there, and node:http2 on 'h2'; Node's fetch
  // has no h2, so it sits W8 and W10 out.
  W6: { title: 'W6 HTTPS GET 1 KiB, concurrency 1, keep-alive', unit: 'req/s', n: quick ? 4000 : 20000, higherIsBetter: true, origin: 'https' },
  W7: { title: 'W7 HTTPS GET 1 KiB, concurrency 64, HTTP/1.1', unit: 'req/s', n: quick ? 10000 : 50000, higherIsBetter: true, origin: 'https' },
  W8: { title: 'W8 HTTP/2 GET 1 KiB, 64 streams on one connection', unit: 'req/s', n: quick ? 10000 : 50000, higherIsBetter: true, origin: 'h2', without: ['fetch'] },
  W9: { title: 'W9 HTTPS GET 256 MiB, body discarded', unit: 'MB/s', n: 1, higherIsBetter: true, origin: 'https' },
  W10: { title: 'W10 HTTP/2 GET 256 MiB, body discarded', unit: 'MB/s', n: 1, higherIsBetter: true, origin: 'h2', without: ['fetch'] },
  // Every request on a new connection: the server closes each after answering (nginx's
  // keepalive_timeout 0 there), the same for every client, and logs whether the TLS session was
  // resumed (reported below the table).
  W11: { title: 'W11 200 new HTTPS connections (no reuse), concurrency 16', unit: 'ms', n: 200, higherIsBetter: false, origin: 'https' }
}
// --clients=undici,electron-net-rs runs only those clients (undici is always kept: the ratios
// are to it). --baseline=DIR adds 'baseline': electron-net-rs as built in DIR (a checkout of an
// earlier commit, `npm install`ed), to compare a change with what it changes, interleaved; with
// electron-net-rs-fetch among the clients, also 'baseline-fetch' (DIR's net.fetch).
const clientsArg = process.argv.find((a) => a.startsWith('--clients='))
const baselineArg = process.argv.find((a) => a.startsWith('--baseline='))
const baseline = baselineArg ? path.resolve(baselineArg.slice('--baseline='.length)) : null
// electron-net-rs-cookies (the same with 20 cookies on every request) runs only when named;
// electron-net-rs-fetch (net.fetch, to set against fetch) too.
const NAMED_ONLY = ['electron-net-rs-cookies', 'electron-net-rs-fetch']
const CLIENTS = ['undici', 'electron-net-rs', 'electron-net-rs-cookies', 'electron-net-rs-fetch', 'node-http', 'fetch', 'reqwest']
  .filter((c) => clientsArg
    ? c === 'undici' || clientsArg.slice('--clients='.length).split(',').includes(c)
    : !NAMED_ONLY.includes(c))
  .concat(baseline ? ['baseline'] : [])
  .concat(baseline && clientsArg && clientsArg.split(/[=,]/).includes('electron-net-rs-fetch') ? ['baseline-fetch'] : [])
// What a client name runs: the baselines are this project's clients loaded from DIR.
const BASELINES = { baseline: 'electron-net-rs', 'baseline-fetch': 'electron-net-rs-fetch' }

const runs = (workload, client) => (!WORKLOADS[workload].clients || WORKLOADS[workload].clients.includes(client)) &&
  !(WORKLOADS[workload].without || []).includes(client)

// The lines the server's resumption log (W11) got since `offset`, warm-up requests left out:
// one per connection, 'r' when its TLS session was resumed.
function resumption (file, offset) {
  let text = ''
  try { text = fs.readFileSync(file, 'utf8').slice(offset) } catch {}
  const lines = text.split('\n').filter((l) => l && !l.includes('warm'))
  return { resumed: lines.filter((l) => l.startsWith('r')).length, connections: lines.length }
}

function logSize (file) {
  try { return fs.statSync(file).size } catch { return 0 }
}

function runOne (client, workload, servers) {
  const spec = WORKLOADS[workload]
  const base = spec.origin ? servers[spec.origin] : servers.base
  const args = [workload, base, servers.upload, String(spec.n)]
  const [cmd, argv] = client === 'reqwest'
    ? [path.join(RUST_BIN, 'reqwest-client'), args]
    : [process.execPath, [path.join(__dirname, 'client.js'), BASELINES[client] || client, ...args]]
  // Persistent sessions (the default one, with its HTTP cache) live in a directory of the run's,
  // never in the user's.
  const env = { ...process.env, ELECTRON_NET_RS_USER_DATA: servers.userData }
  if (BASELINES[client]) env.ELECTRON_NET_RS_BENCH_PACKAGE = baseline
  // Over TLS every client trusts the bench CA. This project's sessions, Node's fetch and reqwest
  // take it from here (Node's variable, as the tests use it); undici and node:https get its
  // contents as `ca` (client.js).
  if (spec.origin) env.NODE_EXTRA_CA_CERTS = servers.caFile
  const logOffset = workload === 'W11' ? logSize(servers.freshLog) : 0
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env })
    const peak = watchPeakRss(child.pid)
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000)
    child.on('exit', async (code) => {
      clearTimeout(timer)
      const rssMiB = peak()
      const line = out.trim().split('\n').at(-1)
      if (code !== 0 || !line) return resolve({ error: (err || `exit ${code}`).trim().split('\n').slice(-3).join(' ') })
      // The server logs a request after sending its response, so the client may be gone before
      // the last lines are written: wait for them (up to a second), or they count for the next.
      let tls = null
      if (workload === 'W11') {
        for (let waited = 0; waited <= 1000; waited += 20) {
          tls = resumption(servers.freshLog, logOffset)
          if (tls.connections >= spec.n) break
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
      const result = JSON.parse(line)
      resolve({ value: result.value, faultsPerMiB: result.faultsPerMiB, rssMiB, tls })
    })
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function fmt (value, unit) {
  return unit === 'ms' ? `${Math.round(value)} ms` : `${Math.round(value).toLocaleString('en-US')} ${unit}`
}

async function main () {
  const started = Date.now()
  // Before the servers start, so nothing else of ours is running.
  const touch = firstTouch()
  console.log(`first touch: ${touch.usPerPage.toFixed(3)} us per fresh 4 KiB page (Buffer.allocUnsafeSlow of 256 MiB, one byte written per page; median of ${touch.runs.length})`)
  const servers = await startServers()
  servers.userData = fs.mkdtempSync(path.join(os.tmpdir(), 'enrs-bench-user-data-'))
  console.log(`server: ${servers.kind}; ${ROUNDS} rounds${quick ? ' (quick)' : ''}; ${os.cpus().length} cores; Node ${process.version}`)
  let selected = Object.keys(WORKLOADS).filter((w) => !only || only.includes(w))
  if (servers.tlsMissing) {
    const skipped = selected.filter((w) => WORKLOADS[w].origin)
    if (skipped.length) console.log(`${skipped.join(', ')} skipped: ${servers.tlsMissing}`)
    selected = selected.filter((w) => !WORKLOADS[w].origin)
  }
  const samples = {}
  try {
    for (const workload of selected) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const client of CLIENTS) {
          if (!runs(workload, client)) continue
          const r = await runOne(client, workload, servers)
          const key = `${workload}/${client}`
          samples[key] = samples[key] || { values: [], rss: [], faults: [], errors: [], resumed: 0, connections: 0 }
          if (r.error) samples[key].errors.push(r.error)
          else { samples[key].values.push(r.value); samples[key].rss.push(r.rssMiB) }
          if (r.faultsPerMiB !== undefined) samples[key].faults.push(r.faultsPerMiB)
          if (r.tls) { samples[key].resumed += r.tls.resumed; samples[key].connections += r.tls.connections }
          process.stdout.write(`\r${workload} round ${round}/${ROUNDS} ${client.padEnd(16)}`)
        }
      }
    }
  } finally {
    servers.stop()
    fs.rmSync(servers.userData, { recursive: true, force: true })
  }
  process.stdout.write('\n')

  const results = { date: new Date().toISOString(), server: servers.kind, rounds: ROUNDS, quick, node: process.version, cores: os.cpus().length, firstTouchUsPerPage: touch.usPerPage, workloads: {} }
  for (const [workload, spec] of Object.entries(WORKLOADS).filter(([w]) => selected.includes(w))) {
    const base = median(samples[`${workload}/undici`].values)
    results.workloads[workload] = { title: spec.title, unit: spec.unit, higherIsBetter: spec.higherIsBetter, clients: {} }
    for (const client of CLIENTS) {
      const s = samples[`${workload}/${client}`]
      if (!s) {
        results.workloads[workload].clients[client] = { skipped: true }
        continue
      }
      if (!s.values.length) {
        results.workloads[workload].clients[client] = { error: s.errors[0] }
        continue
      }
      const value = median(s.values)
      // A ratio above 1 is always better than undici: for times it is undici's time / ours.
      const ratio = spec.higherIsBetter ? value / base : base / value
      results.workloads[workload].clients[client] = { value, ratio, peakRssMiB: Math.max(...s.rss), errors: s.errors.length }
      // W11: of the timed connections (all rounds), how many resumed a TLS session.
      if (s.connections) Object.assign(results.workloads[workload].clients[client], { tlsResumed: s.resumed, tlsConnections: s.connections })
      // Large transfers: fresh pages faulted in per MiB of body (median).
      if (s.faults.length) results.workloads[workload].clients[client].faultsPerMiB = median(s.faults)
    }
  }

  const header = `| workload | ${CLIENTS.join(' | ')} |\n|---|${CLIENTS.map(() => '---:').join('|')}|`
  const rows = Object.values(results.workloads).map((w) => {
    const cells = CLIENTS.map((c) => {
      const r = w.clients[c]
      if (r.skipped) return '—'
      if (r.error) return `failed: ${r.error.slice(0, 60)}`
      const figure = c === 'undici' ? fmt(r.value, w.unit) : `${r.ratio.toFixed(2)}x`
      return `${figure} (${Math.round(r.peakRssMiB)} MiB)`
    })
    return `| ${w.title} | ${cells.join(' | ')} |`
  })
  const table = [header, ...rows].join('\n')
  // W11's resumption, from the server's log: it changes what a new connection costs.
  const resumed = Object.entries(results.workloads).filter(([, w]) => Object.values(w.clients).some((r) => r.tlsConnections))
    .map(([name, w]) => `${name} TLS sessions resumed (timed connections, all rounds): ` +
      Object.entries(w.clients).filter(([, r]) => r.tlsConnections).map(([c, r]) => `${c} ${r.tlsResumed}/${r.tlsConnections}`).join(', ') + '.')
  // What the fresh memory of the large transfers would cost on the slow-first-touch machine of
  // issue 23 (9-14 us per page), per 256 MiB body: machine-independent, unlike the timings.
  const faultLines = Object.entries(results.workloads).filter(([, w]) => Object.values(w.clients).some((r) => r.faultsPerMiB !== undefined))
    .map(([name, w]) => `${name} pages faulted in per MiB of body: ` +
      Object.entries(w.clients).filter(([, r]) => r.faultsPerMiB !== undefined)
        .map(([c, r]) => `${c} ${r.faultsPerMiB.toFixed(1)} (${Math.round(r.faultsPerMiB * 256 * 12 / 1000)} ms per 256 MiB at 12 us a page)`).join(', ') + '.')
  const note = [
    `undici: absolute median; others: ratio to undici in the same run (>1 is better; for W5 and W11, undici's time / the client's). Peak RSS in parentheses. Server: ${results.server}. ${ROUNDS} interleaved rounds, medians.`,
    ...(selected.some((w) => WORKLOADS[w].origin) ? ['W6-W11: node-http is node:https (node:http2 for W8 and W10).'] : []),
    ...resumed,
    ...faultLines,
    `First touch: ${touch.usPerPage.toFixed(3)} us per fresh 4 KiB page.`
  ].join('\n')
  console.log(`\n${table}\n\n${note}`)
  if (only || clientsArg || baseline) return console.log('\n(--only, --clients or --baseline: results/ left as they were)')
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true })
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n')
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), `${table}\n\n${note}\n`)
  require('./chart').draw(results, path.join(__dirname, 'results', 'latest.svg'))
  console.log(`\nfinished in ${Math.round((Date.now() - started) / 1000)} s; results/latest.{json,md,svg} written`)
}

main().catch((error) => { console.error(error); process.exit(1) })
