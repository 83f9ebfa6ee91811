'use strict'

// Decompression bombs: a body of a few megabytes that decodes to GiBs streams at the
// consumer's pace in bounded chunks, in bounded memory (each decoding step is taken under the
// consumer's read credit and the body budget, as a read off the network is). CI decodes 1 GiB
// per coding; `npm run test:soak` (SOAK=1) 10 GiB from a ~10 MB gzip body.

const { execFile } = require('node:child_process')
const path = require('node:path')
const test = require('ava')

const SOAK = process.env.SOAK === '1'
const GIB = SOAK ? 10 : 1
const MiB = 1024 * 1024

function runBomb (coding) {
  const fixture = path.join(__dirname, 'fixtures', 'decode-bomb.js')
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', fixture, coding, String(GIB)], { timeout: SOAK ? 300000 : 50000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`))
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)))
      })
  })
}

for (const coding of ['gzip', 'br']) {
  test.serial(`should stream a ${coding} body decoding to ${GIB} GiB in bounded chunks, with RSS under 150 MiB and no decoding while paused`, async (t) => {
    const r = await runBomb(coding)
    t.log(JSON.stringify(r))
    t.is(r.decoded, GIB * 1024 * MiB)
    t.true(r.bodyBytes < r.decoded / 100, `a bomb: ${r.bodyBytes} bytes on the wire`)
    // Decoding everything a network read brings at once made chunks of hundreds of MiB.
    t.true(r.maxChunk <= MiB, `largest chunk ${r.maxChunk} bytes`)
    // Buffering 1 GiB decoded peaked at 757-850 MiB.
    t.true(r.peakMiB < 150, `peak RSS ${r.peakMiB} MiB`)
    // A paused consumer gets what was already on its way, then nothing: the engine decodes no
    // further until it reads again (before: 265 MB arrived during the pause).
    t.true(r.duringPause <= 4 * MiB, `${r.duringPause} bytes delivered from the pause on`)
    t.true(r.afterSettling <= MiB, `${r.afterSettling} bytes delivered while paused`)
  })
}
