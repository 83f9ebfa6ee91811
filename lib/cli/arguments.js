'use strict'

// The command line, parsed with node:util's parseArgs into one plain object: curl's everyday
// flags with curl's short and long spellings and curl's defaults (no redirect following, POST
// for -d, HEAD for -I, `http://` for a URL without a scheme).

const { parseArgs } = require('node:util')

const OPTIONS = {
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd', multiple: true },
  'data-ascii': { type: 'string', multiple: true },
  'data-binary': { type: 'string', multiple: true },
  'data-raw': { type: 'string', multiple: true },
  'data-urlencode': { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  location: { type: 'boolean', short: 'L' },
  'max-redirs': { type: 'string' },
  include: { type: 'boolean', short: 'i' },
  head: { type: 'boolean', short: 'I' },
  user: { type: 'string', short: 'u' },
  proxy: { type: 'string', short: 'x' },
  'proxy-user': { type: 'string', short: 'U' },
  noproxy: { type: 'string' },
  'max-time': { type: 'string', short: 'm' },
  verbose: { type: 'boolean', short: 'v' },
  silent: { type: 'boolean', short: 's' },
  'show-error': { type: 'boolean', short: 'S' },
  fail: { type: 'boolean', short: 'f' },
  'user-agent': { type: 'string', short: 'A' },
  insecure: { type: 'boolean', short: 'k' },
  compressed: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' }
}

// How each data option reads its argument (curl's man page): `-d @file` reads the file and
// drops CR and LF, `--data-binary @file` keeps every byte, `--data-raw` never reads a file,
// `--data-urlencode` encodes the content part.
const DATA_KINDS = {
  data: 'ascii',
  'data-ascii': 'ascii',
  'data-binary': 'binary',
  'data-raw': 'raw',
  'data-urlencode': 'urlencode'
}

const HELP = `Usage: electron-net [options] <url>

A curl-like client on electron-net-rs (Electron's net module over a Rust engine).

  -X, --request <method>     request method (default GET, POST with -d, HEAD with -I)
  -H, --header <line>        add a header "Name: value" (repeatable; "Name;" sends it empty)
  -d, --data <data>          send data (repeatable, joined with &); @file reads a file
                             without its newlines, @- reads stdin
      --data-binary <data>   send data as is; @file and @- (stdin) are sent byte for byte
      --data-raw <data>      send data, no @file
      --data-urlencode <d>   send URL-encoded data: content, name=content, @file, name@file
  -o, --output <file>        write the body to <file> ("-" for stdout)
  -L, --location             follow redirects (not followed by default, as curl)
      --max-redirs <n>       give up after n redirects with -L (exit 47)
  -i, --include              print the response head before the body
  -I, --head                 send HEAD and print the response head only
  -u, --user <user:pass>     answer the server's authentication challenge (Basic, Digest)
  -x, --proxy <url>          use this proxy: http://, https://, socks4://, socks5://
  -U, --proxy-user <u:p>     answer the proxy's authentication challenge
      --noproxy <hosts>      comma-separated hosts not to send through the proxy
  -m, --max-time <seconds>   give up after this long (exit 28)
  -A, --user-agent <text>    send this User-Agent
  -k, --insecure             accept any server certificate
  -f, --fail                 exit 22, without the body, on an HTTP status >= 400
  -s, --silent               no progress bar, no error messages
  -S, --show-error           with -s, still print error messages
  -v, --verbose              print request and response heads on stderr (> and <)
      --compressed           accepted: responses are always decoded, as Chromium does
  -h, --help                 this help
  -V, --version              the version

Exit codes follow curl's: 6 host not resolved, 7 could not connect, 22 HTTP error with -f,
28 timeout, 35/60 TLS handshake/certificate, 47 too many redirects, 52 empty reply,
56 receive failure; the README lists them all.
`

class UsageError extends Error {}

// `user:pass` -> [user, pass]; a missing password is the empty one (curl would prompt).
function credentials (text) {
  const colon = text.indexOf(':')
  return colon === -1 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)]
}

// -H "Name: value", "Name;" (an empty value), "Name:" (curl: remove an internal header; here
// nothing to remove, so nothing is sent).
function parseHeader (line) {
  const semicolon = /^([^:;\s]+);\s*$/.exec(line)
  if (semicolon) return { name: semicolon[1], value: '' }
  const colon = line.indexOf(':')
  if (colon <= 0) throw new UsageError(`bad header "${line}": expected "Name: value"`)
  const name = line.slice(0, colon).trim()
  const value = line.slice(colon + 1).trim()
  return value === '' ? null : { name, value }
}

// curl assumes http:// when a URL has no scheme.
function parseUrl (text) {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`
  try {
    return new URL(withScheme)
  } catch {
    return null
  }
}

// curl's proxy defaults: no scheme means http://, no port means 1080 (443 for https://).
// socks5h:// and socks4a:// are the same to Chromium as socks5:// and socks4:// (its SOCKS
// proxies are always given the host name). Credentials in the URL answer the proxy's challenge
// as --proxy-user would. Returns { rules, credentials } for Session.setProxy.
const PROXY_SCHEMES = { http: 'http', https: 'https', socks: 'socks4', socks4: 'socks4', socks4a: 'socks4', socks5: 'socks5', socks5h: 'socks5' }

function parseProxy (text) {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase()
  if (!PROXY_SCHEMES[scheme]) throw new UsageError(`unsupported proxy scheme "${scheme}" in "${text}"`)
  let url
  try {
    // Parsed as http: so that any scheme gets the same authority rules.
    url = new URL('http' + withScheme.slice(scheme.length))
  } catch {
    throw new UsageError(`bad proxy URL "${text}"`)
  }
  // An explicit port, even the scheme's default, which URL drops.
  const explicit = /^[^:]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/.exec(withScheme)
  const port = explicit ? explicit[1] : scheme === 'https' ? '443' : '1080'
  const credentials = url.username || url.password
    ? [decodeURIComponent(url.username), decodeURIComponent(url.password)]
    : null
  return { rules: `${PROXY_SCHEMES[scheme]}://${url.hostname}:${port}`, credentials }
}

function positiveNumber (text, name) {
  const value = Number(text)
  if (text === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`${name} needs a number, got "${text}"`)
  return value
}

// The parsed command line. Throws UsageError for what curl calls a usage error.
function parseCommandLine (args) {
  let parsed
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true, tokens: true })
  } catch (error) {
    throw new UsageError(error.message.split('\n')[0])
  }
  const { values, positionals, tokens } = parsed
  const config = {
    help: !!values.help,
    version: !!values.version,
    urlText: positionals[0],
    url: null,
    method: values.request,
    headers: [],
    // In command-line order: curl joins them with & in that order.
    data: tokens
      .filter((t) => t.kind === 'option' && DATA_KINDS[t.name])
      .map((t) => ({ kind: DATA_KINDS[t.name], value: t.value })),
    output: values.output,
    location: !!values.location,
    maxRedirs: values['max-redirs'] === undefined ? undefined : positiveNumber(values['max-redirs'], '--max-redirs'),
    include: !!values.include,
    head: !!values.head,
    user: values.user === undefined ? null : credentials(values.user),
    proxy: values.proxy === undefined ? null : parseProxy(values.proxy),
    proxyUser: null,
    noProxy: values.noproxy === undefined ? [] : values.noproxy.split(',').map((h) => h.trim()).filter(Boolean),
    maxTime: values['max-time'] === undefined ? undefined : positiveNumber(values['max-time'], '--max-time'),
    verbose: !!values.verbose,
    silent: !!values.silent,
    showError: !!values['show-error'],
    fail: !!values.fail,
    userAgent: values['user-agent'],
    insecure: !!values.insecure
  }
  if (config.help || config.version) return config
  if (positionals.length === 0) throw new UsageError('no URL specified')
  if (positionals.length > 1) throw new UsageError(`one URL at a time (got ${positionals.length})`)
  config.url = parseUrl(config.urlText)
  if (values['proxy-user'] !== undefined) config.proxyUser = credentials(values['proxy-user'])
  else if (config.proxy) config.proxyUser = config.proxy.credentials
  for (const line of values.header || []) {
    const header = parseHeader(line)
    if (header) config.headers.push(header)
  }
  if (config.userAgent !== undefined) config.headers.push({ name: 'User-Agent', value: config.userAgent })
  if (config.head && config.data.length > 0) throw new UsageError('-I (HEAD) and -d (POST) cannot go together')
  if (config.method === undefined) config.method = config.head ? 'HEAD' : config.data.length > 0 ? 'POST' : 'GET'
  return config
}

module.exports = { parseCommandLine, UsageError, HELP }
