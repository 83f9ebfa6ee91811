'use strict'

// For tests with many requests in flight at once that must tell whose response is whose: an
// echo server answers GET /<token> with <token> as the body, and fetchTokens() checks that each
// request got its own token back.

const { listen, collect } = require('./listen')

// `t` as for listen() (an ava `t`, or teardownScope()). A path whose first segment has a
// handler in `routes` goes to it instead; `seen` lists every token received, in order.
async function echoServer (t, { routes = {}, delayMs = 0 } = {}) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    const token = req.url.slice(1)
    seen.push(token)
    const route = routes[token.split('/')[0]]
    if (route) return route(req, res)
    if (delayMs > 0) setTimeout(() => res.end(token), delayMs)
    else res.end(token)
  })
  return { ...srv, seen }
}

// Requests every token at once through `net` (one copy of the package) and resolves with
// { ok, wrong, errors, pending }: how many came back 200 with their own token as the body, and
// the first few that did not (wrong: another body; errors: an error event; pending: nothing
// within `timeoutMs`, those are aborted then).
function fetchTokens (net, url, tokens, { timeoutMs = 8000 } = {}) {
  return new Promise((resolve) => {
    const summary = { ok: 0, wrong: [], errors: [], pending: [] }
    const open = new Map()
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      for (const [token, request] of open) {
        if (summary.pending.length < 5) summary.pending.push(token)
        request.abort()
      }
      summary.pendingCount = open.size
      resolve(summary)
    }
    const timer = setTimeout(finish, timeoutMs)
    for (const token of tokens) {
      const request = net.request(`${url}/${token}`)
      open.set(token, request)
      collect(request).then((r) => {
        if (done || !open.delete(token)) return
        if (r.error) {
          if (summary.errors.length < 5) summary.errors.push({ token, error: r.error.message })
        } else if (r.response.statusCode === 200 && r.body === token) {
          summary.ok++
        } else if (summary.wrong.length < 5) {
          summary.wrong.push({ token, status: r.response.statusCode, body: r.body.slice(0, 100) })
        }
        if (open.size === 0) finish()
      })
    }
    if (open.size === 0) finish()
  })
}

module.exports = { echoServer, fetchTokens }
