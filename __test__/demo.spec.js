'use strict'

// `npm run demo` is the README's first command: it must run offline, print each of its four
// sections and exit by itself.

const { execFile } = require('node:child_process')
const path = require('node:path')
const test = require('ava')

const TITLES = ['1. GET', '2. chunked POST with upload progress', '3. a non-2xx response', '4. download with a progress bar']

function runDemo () {
  return new Promise((resolve) => {
    const started = Date.now()
    execFile(process.execPath, [path.join(__dirname, '..', 'demo', 'demo.js')], { timeout: 15000 }, (error, stdout, stderr) => {
      resolve({ error, stdout, stderr, elapsed: Date.now() - started })
    })
  })
}

// The lines printed under each section title, keyed by title.
function sections (stdout) {
  const out = {}
  let current = null
  for (const line of stdout.split(/\r?\n|\r/)) {
    if (TITLES.includes(line)) {
      current = line
      out[current] = []
    } else if (current) {
      out[current].push(line)
    }
  }
  return out
}

test('should run the demo to completion and print its four sections', async (t) => {
  const { error, stdout, stderr, elapsed } = await runDemo()
  t.is(error, null, `demo failed after ${elapsed} ms: ${error && error.message}\n${stderr}`)
  const s = sections(stdout)
  t.deepEqual(Object.keys(s), TITLES, 'every section, in order')

  const get = s[TITLES[0]].join('\n')
  t.regex(get, /\[request\] response 200 OK HTTP\/1\.1/)
  t.regex(get, /\[response\] data "Hello from the loopback server\\n"/)
  t.regex(get, /\[response\] close/)

  const post = s[TITLES[1]].join('\n')
  t.true(s[TITLES[1]].filter((l) => /\[request\] upload-progress \d+/.test(l)).length >= 1, 'upload progress printed')
  t.regex(post, /\[request\] upload-progress 4194304/, 'progress reaches the whole body')
  t.regex(post, /received 4194304 bytes \(chunked\)/, 'the server got the chunked body')

  const missing = s[TITLES[2]].join('\n')
  t.regex(missing, /\[request\] response 404 Not Found/)
  t.regex(missing, /\[response\] data "nothing here\\n"/)

  const download = s[TITLES[3]].join('\n')
  t.regex(download, /\[download\] \[#+ *\] \d+%/, 'a progress bar is drawn')
  t.regex(download, /\[####################\] 100%/, 'the bar reaches 100%')
  t.regex(download, /\[response\] end/)
})
