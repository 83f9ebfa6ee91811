'use strict'

// Runs one workload with one client in this process and prints {"value": ...}.
// Usage: node client.js <client> <workload> <base-url> <upload-url> <n>
// Each client checks it got the right bytes before its time counts. For an https base (W6-W11)
// it also checks, after its warm-up, the protocol the server spoke (HTTP/1.1, or HTTP/2.0 for
// W8 and W10) and, for W8, that 64 requests at once went over one connection.

const fs = require('node:fs')

const [clientName, workload, base, uploadUrl, nArg] = process.argv.slice(2)
const client = require(`./clients/${clientName}`)
const n = Number(nArg)
const MiB = 1024 * 1024
const tls = base.startsWith('https:')
const h2 = workload === 'W8' || workload === 'W10'
// The bench CA, for clients that take it as an option (run.js sets NODE_EXTRA_CA_CERTS for the
// others, which read it themselves).
if (tls && client.setup) client.setup({ ca: fs.readFileSync(process.env.NODE_EXTRA_CA_CERTS), h2, origin: base })

function check (got, want, what) {
  if (got !== want) throw new Error(`${clientName} ${what}: got ${got}, want ${want}`)
}

async function many (url, total, concurrency, expect) {
  let next = 0
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < total) check(await client.get(url), expect, url)
  }))
  return Number(process.hrtime.bigint() - start) / 1e9
}

async function checkProtocol () {
  const want = h2 ? 'HTTP/2.0' : 'HTTP/1.1'
  check(await client.text(`${base}/proto`), want, 'protocol')
  if (workload !== 'W8') return
  const ids = await Promise.all(Array.from({ length: 64 }, () => client.text(`${base}/conn`)))
  check(new Set(ids).size, 1, 'connections used by 64 requests at once')
}

// Pages the process faulted in (minor faults) during `run`, per MiB of body it moved: the fresh
// memory a large transfer touches, which costs more on a machine whose first touch is slow (the
// calibration at the top of the bench output).
const BIG = ['W3', 'W4', 'W4b', 'W9', 'W10']
async function countingFaults (run) {
  const before = process.resourceUsage().minorPageFault
  const value = await run()
  return { value, faultsPerMiB: (process.resourceUsage().minorPageFault - before) / 256 }
}

async function main () {
  const url1k = `${base}/1k`
  // Node clients keep speeding up for the first few thousand requests: warm up first. W11 warms
  // up on connections the server closes, as the timed part (so no connection is left to reuse).
  if (workload === 'W11') await many(`${base}/fresh/1k?warm`, 32, 8, 1024)
  else await many(url1k, ['W1', 'W2', 'W6', 'W7', 'W8'].includes(workload) ? 3000 : 1000, 8, 1024)
  if (tls) await checkProtocol()
  const { value, faultsPerMiB } = await countingFaults(() => timed())
  console.log(JSON.stringify(BIG.includes(workload) ? { value, faultsPerMiB } : { value }))
  // Pooled keep-alive sockets would keep some clients alive.
  process.exit(0)
}

async function timed () {
  const url1k = `${base}/1k`
  let value
  switch (workload) {
    case 'W1': value = n / await many(url1k, n, 1, 1024); break
    case 'W2': value = n / await many(url1k, n, 64, 1024); break
    case 'W3': {
      const start = process.hrtime.bigint()
      check(await client.get(`${base}/256m`), 256 * MiB, '/256m')
      value = (256 * MiB) / 1e6 / (Number(process.hrtime.bigint() - start) / 1e9)
      break
    }
    // W4 writes 64 KiB at a time, as a file stream does (the undici figure, 1,180-1,330
    // MB/s, matches 64 KiB writes; 1 MiB writes run undici twice as fast): W4b is the 1 MiB case.
    case 'W4':
    case 'W4b': {
      const size = workload === 'W4' ? 64 * 1024 : MiB
      const chunk = Buffer.alloc(size, 'u')
      const start = process.hrtime.bigint()
      check(await client.upload(uploadUrl, chunk, (256 * MiB) / size), String(256 * MiB), 'upload')
      value = (256 * MiB) / 1e6 / (Number(process.hrtime.bigint() - start) / 1e9)
      break
    }
    case 'W1c': value = n / await many(`${base}/cached/1k`, n, 1, 1024); break
    case 'W1v': value = n / await many(`${base}/revalidate/1k`, n, 1, 1024); break
    case 'W5': value = (await many(`${base}/64k`, 1000, 1000, 65536)) * 1000; break
    // The TLS workloads: base is the https origin (HTTP/1.1 only) or, for W8 and W10, the h2 one.
    case 'W6': value = n / await many(url1k, n, 1, 1024); break
    case 'W7':
    case 'W8': value = n / await many(url1k, n, 64, 1024); break
    case 'W9':
    case 'W10': {
      const start = process.hrtime.bigint()
      check(await client.get(`${base}/256m`), 256 * MiB, '/256m')
      value = (256 * MiB) / 1e6 / (Number(process.hrtime.bigint() - start) / 1e9)
      break
    }
    // n requests, 16 at a time, each on a new connection (the server closes it after answering).
    case 'W11': value = (await many(`${base}/fresh/1k`, n, 16, 1024)) * 1000; break
    default: throw new Error(`unknown workload ${workload}`)
  }
  return value
}

main().catch((error) => { console.error(error); process.exit(1) })
