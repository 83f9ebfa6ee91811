'use strict'

// `electron-net <url>`: one request through net.request, curl-style. Resolves with the exit
// code (lib/cli/exit-codes.js); bin/electron-net.js exits with it.

const fs = require('node:fs')
const { parseCommandLine, UsageError, HELP } = require('./arguments')
const { EXIT, exitCodeFor } = require('./exit-codes')
const { requestBody, ReadError } = require('./request-body')
const heads = require('./heads')
const { createProgress } = require('./progress')

const PROGRAM = 'electron-net'
// An in-memory session without HTTP cache: like curl, a run keeps nothing (no cookies, no
// cache, no credentials) for the next one, and writes nothing to the user-data directory.
const PARTITION = 'electron-net-cli'

// `io`: { stdin, stdout, stderr } streams.
async function main (args, io) {
  let config
  try {
    config = parseCommandLine(args)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`${PROGRAM}: ${error.message}\n${PROGRAM}: try '${PROGRAM} --help'\n`)
    return EXIT.USAGE
  }
  if (config.help) {
    io.stdout.write(HELP)
    return EXIT.OK
  }
  if (config.version) {
    io.stdout.write(`electron-net-rs ${require('../../package.json').version}\n`)
    return EXIT.OK
  }
  const report = (message) => {
    if (!config.silent || config.showError) io.stderr.write(`${PROGRAM}: ${message}\n`)
  }
  if (config.url === null) {
    report(`bad URL (${config.urlText})`)
    return EXIT.BAD_URL
  }
  if (config.url.protocol !== 'http:' && config.url.protocol !== 'https:') {
    report(`protocol "${config.url.protocol.slice(0, -1)}" not supported (${config.url.href})`)
    return EXIT.OTHER
  }
  return transfer(config, io, report)
}

const TIMED_OUT = Symbol('timed out')

// `promise`, or a rejection with TIMED_OUT once `deadline` (a Date.now() value, or null for
// none) has passed.
function beforeDeadline (promise, deadline) {
  if (deadline === null) return promise
  let timer
  const expiry = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), Math.max(0, deadline - Date.now()))
  })
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer))
}

async function transfer (config, io, report) {
  const { net, session } = require('../../index')
  const url = config.url
  const ses = session.fromPartition(PARTITION, { cache: false })
  // With -x every host goes through the proxy, loopback too (curl's rule; Chromium bypasses
  // loopback unless told `<-loopback>`), except those --noproxy names. Without -x the session
  // keeps its default, the system's settings: the environment's http_proxy, https_proxy,
  // all_proxy and no_proxy, which curl reads too.
  if (config.proxy) {
    const bypass = ['<-loopback>', ...config.noProxy].join(',')
    await ses.setProxy({ proxyRules: config.proxy.rules, proxyBypassRules: bypass })
  }
  // -k: every certificate is trusted (0 is Chromium's net::OK).
  if (config.insecure) ses.setCertificateVerifyProc((request, verdict) => verdict(0))
  const verbose = (prefix, lines) => {
    if (config.verbose) for (const line of lines) io.stderr.write(`${prefix}${line}`.trimEnd() + '\n')
  }

  // --max-time counts from here, reading the body from stdin included, as curl's does.
  const deadline = config.maxTime === undefined ? null : Date.now() + config.maxTime * 1000

  let body
  try {
    body = await beforeDeadline(requestBody(config.data, io.stdin), deadline)
  } catch (error) {
    if (error === TIMED_OUT) {
      report(`net::ERR_TIMED_OUT (${url.href})`)
      return EXIT.TIMEOUT
    }
    if (!(error instanceof ReadError)) throw error
    report(error.message)
    return EXIT.READ
  }

  // Where the session sends this URL ('DIRECT', 'PROXY h:p', ...): -v says it, and an HTTP
  // proxy gets the request line in absolute form.
  let viaHttpProxy = false
  if (config.verbose) {
    const proxies = await ses.resolveProxy(url.href)
    if (proxies && proxies !== 'DIRECT') verbose('* ', [`proxy for this URL: ${proxies}`])
    viaHttpProxy = /^(PROXY|HTTPS) /.test(proxies)
  }

  // The headers the CLI gives the engine.
  const headers = config.headers.slice()
  const has = (name) => headers.some((h) => h.name.toLowerCase() === name)
  // curl sends data from -d and --data-binary as a form unless told otherwise.
  if (body && !has('content-type')) headers.push({ name: 'Content-Type', value: 'application/x-www-form-urlencoded' })

  return new Promise((resolve) => {
    let settled = false
    let out = null
    const toStdout = config.output === undefined || config.output === '-'
    // A bar on a terminal only, never mixed with -v's lines or a body going to the same terminal
    // (curl keeps its meter off then too).
    const progress = createProgress(io.stderr, !config.silent && !config.verbose && !(toStdout && io.stdout.isTTY))
    let request = null

    const finish = (code, message) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      progress.stop()
      if (message) report(message)
      if (out && out !== io.stdout) {
        // A file that failed to open or write may say so only now.
        out.end((error) => {
          if (error && code === EXIT.OK) {
            report(writeFailure(error))
            resolve(EXIT.WRITE)
          } else {
            resolve(code)
          }
        })
      } else {
        resolve(code)
      }
    }
    const writeFailure = (error) => `failed writing the body to ${toStdout ? 'stdout' : `'${config.output}'`} (${error.code || error.message})`
    const netFailure = (error) => finish(exitCodeFor(error.message), `${error.message} (${url.href})`)

    const timer = deadline === null
      ? null
      : setTimeout(() => {
        if (request) request.abort()
        finish(EXIT.TIMEOUT, `net::ERR_TIMED_OUT (${url.href})`)
      }, Math.max(0, deadline - Date.now()))

    // The body's destination, opened when the first response arrives (-o is not created for
    // a request that fails before that).
    const output = () => {
      if (out) return out
      if (toStdout) {
        out = io.stdout
      } else {
        out = fs.createWriteStream(config.output)
      }
      out.on('error', (error) => {
        if (request) request.abort()
        finish(EXIT.WRITE, writeFailure(error))
      })
      return out
    }
    const writeHead = (lines) => output().write(lines.join('\r\n') + '\r\n\r\n')

    // -v: each request's head is printed when its answer comes, so that the HTTP version on its
    // request line is the one the connection used. The first request shows the headers this
    // CLI sets, plus those the engine adds whose values are known here; later ones (after a
    // redirect or a login) show their request line and Host.
    const firstHeaders = (() => {
      const lines = []
      if (body && body.buffer) lines.push({ name: 'Content-Length', value: String(body.buffer.length) })
      if (body && body.file) lines.push({ name: 'Content-Length', value: String(body.file.size) })
      if (body && body.stdin) lines.push({ name: 'Transfer-Encoding', value: 'chunked' })
      lines.push(...headers)
      // The engine sends the session's User-Agent when none was set (src/request/engine_headers.rs).
      if (!has('user-agent')) lines.push({ name: 'User-Agent', value: ses.getUserAgent() })
      return lines
    })()
    let hop = { method: config.method, url, first: true, shown: false }
    const showRequestHead = (version = '1.1') => {
      if (hop.shown) return
      hop.shown = true
      verbose('> ', heads.requestHead(hop.method, hop.url, { version, viaHttpProxy, headers: hop.first ? firstHeaders : [] }))
      if (hop.first) verbose('* ', ['the engine also sends Connection, Sec-Fetch-*, Accept-Encoding and credentials it holds (not shown)'])
      else verbose('* ', ['headers carried over as Chromium carries them on a redirect or a login (not shown)'])
      verbose('>', [''])
    }

    try {
      request = net.request({ method: config.method, url: url.href, session: ses, redirect: config.location ? 'follow' : 'manual' })
      for (const { name, value } of headers) request.setHeader(name, value)
    } catch (error) {
      // Electron's texts for a method or header it refuses.
      finish(EXIT.USAGE, error.message)
      return
    }

    // Without -L a redirect is not followed: its head is the answer (Electron cancels the
    // request with 'Redirect was cancelled', which then ends the transfer normally).
    let stoppedAtRedirect = false
    let redirects = 0
    request.on('redirect', (statusCode, method, redirectUrl, responseHeaders) => {
      showRequestHead()
      const head = heads.redirectHead(statusCode, responseHeaders)
      verbose('< ', head)
      verbose('<', [''])
      if (config.include || config.head) writeHead(head)
      if (!config.location) {
        stoppedAtRedirect = true
        return
      }
      redirects++
      if (config.maxRedirs !== undefined && redirects > config.maxRedirs) {
        request.abort()
        finish(EXIT.TOO_MANY_REDIRECTS, `net::ERR_TOO_MANY_REDIRECTS (more than ${config.maxRedirs}) (${url.href})`)
        return
      }
      hop = { method, url: new URL(redirectUrl), first: false, shown: false }
    })

    // -u / -U answer the first challenge of their kind; a second one (the credentials were
    // refused) is cancelled, so the 401 / 407 is delivered as curl delivers it.
    const answered = { server: false, proxy: false }
    request.on('login', (authInfo, callback) => {
      showRequestHead()
      const kind = authInfo.isProxy ? 'proxy' : 'server'
      const credentials = authInfo.isProxy ? config.proxyUser : config.user
      verbose('* ', [`${authInfo.isProxy ? 407 : 401}: ${authInfo.host}:${authInfo.port} asks for ${authInfo.scheme} credentials (realm "${authInfo.realm}")`])
      if (credentials && !answered[kind]) {
        answered[kind] = true
        verbose('* ', [`answering with ${authInfo.isProxy ? '--proxy-user' : '--user'} ${credentials[0]}`])
        hop = { method: hop.method, url: hop.url, first: false, shown: false }
        callback(credentials[0], credentials[1])
      } else {
        callback()
      }
    })

    request.on('upload-progress', (current, total) => progress.upload(current, body && body.stdin ? undefined : total))

    request.on('response', (response) => {
      // Failures mid-body reach the request's 'error' too; reported there.
      response.on('error', () => {})
      showRequestHead(response.httpVersion)
      const head = heads.responseHead(response)
      verbose('< ', head)
      verbose('<', [''])
      if (config.fail && response.statusCode >= 400) {
        request.abort()
        finish(EXIT.HTTP_ERROR, `The requested URL returned error: ${response.statusCode} (${url.href})`)
        return
      }
      const sink = output()
      if (config.include || config.head) writeHead(head)
      // Content-Length counts the encoded bytes: with a Content-Encoding the decoded size is
      // unknown.
      const announced = response.headers['content-encoding'] ? NaN : Number(response.headers['content-length'])
      const total = Number.isFinite(announced) && announced > 0 ? announced : undefined
      let received = 0
      response.on('data', (chunk) => {
        received += chunk.length
        progress.download(received, total)
        if (config.head || settled) return
        // Backpressure: a slow file or pipe slows the download instead of filling memory.
        if (!sink.write(chunk)) {
          response.pause()
          sink.once('drain', () => response.resume())
        }
      })
      response.on('end', () => finish(EXIT.OK))
    })

    request.on('error', (error) => {
      if (settled) return
      if (stoppedAtRedirect && !(/^net::/.test(error.message))) return finish(EXIT.OK)
      netFailure(error)
    })

    const readFailed = (source) => (error) => {
      request.abort()
      finish(EXIT.READ, new ReadError(source, error).message)
    }
    if (body === null) {
      request.end()
    } else if (body.buffer) {
      request.end(body.buffer)
    } else if (body.file) {
      // Buffered until the end and sent with Content-Length, as curl sends a file.
      body.file.stream.on('error', readFailed(body.file.source))
      body.file.stream.pipe(request)
    } else {
      // stdin: sent as it comes, chunked.
      request.chunkedEncoding = true
      body.stdin.on('error', readFailed('-'))
      body.stdin.pipe(request)
    }
  })
}

module.exports = { main, PROGRAM }
