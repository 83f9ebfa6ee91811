// Compiled by `npm run typecheck`: the whole public surface, extensions included (electron-style.ts keeps to Electron's).
import { net, session, ClientRequest, IncomingMessage, Session, inflightCount } from '../..'
import type { AuthInfo, ClientRequestConstructorOptions, Cookie, FetchInit, ProxyConfig, ResolvedEndpoint, ResolvedHost, ResolveHostOptions, SSLConfig, UploadProgress } from '../..'
import * as mapped from 'electron'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

// tsconfig's `paths` sends 'electron' to this package (what electron-style.ts relies on).
const samePackage: typeof import('../..') = mapped

const options: ClientRequestConstructorOptions = {
  method: 'POST',
  url: 'https://example.com/upload',
  headers: { 'X-Many': ['a', 'b'] },
  session: session.defaultSession,
  credentials: 'include',
  redirect: 'manual',
  referrerPolicy: 'no-referrer',
  cache: 'no-store',
  priority: 'highest',
  priorityIncremental: false,
  timeout: 5000,
  signal: new AbortController().signal
}

const request: ClientRequest = net.request(options, (response: IncomingMessage) => {
  const status: number = response.statusCode
  const headers: Record<string, string | string[]> = response.headers
  const raw: string[] = response.rawHeaders
  response.on('data', (chunk: Buffer) => chunk.length + status + raw.length + Object.keys(headers).length)
  response.on('download-progress', (current: number) => current)
})
request.chunkedEncoding = true
request.setHeader('Content-Type', 'application/octet-stream')
const value: any = request.getHeader('content-type')
request.removeHeader('x-unused')
request.on('login', (authInfo: AuthInfo, callback) => {
  if (authInfo.isProxy) callback()
  else callback('user', 'pass')
})
request.on('redirect', (statusCode: number, method: string, redirectUrl: string, responseHeaders: Record<string, string[]>) => {
  if (statusCode + method + redirectUrl + responseHeaders) request.followRedirect()
})
request.on('upload-progress', (position: number, total: number) => position / total)
request.on('error', (error: Error) => error.message)
request.on('timeout', () => request.abort())
request.once('drain', () => undefined)
request.on('pipe', (source: Readable) => source.readableLength)
const progress: UploadProgress = request.getUploadProgress()
request.write(Buffer.from('chunk'))
request.end('last', 'utf8', () => undefined)
request.abort()

const ses: Session = session.fromPartition('persist:typed', { cache: false })
ses.setUserAgent('agent/1.0', 'en-US,fr')
const ua: string = ses.getUserAgent()
const stored: string | null = ses.storagePath
const cleared: Promise<void> = ses.clearAuthCache()
const closed: Promise<void> = ses.closeAllConnections()
const cacheCleared: Promise<void> = ses.clearCache()
const cacheSize: Promise<number> = ses.getCacheSize()
const proxyConfig: ProxyConfig = { proxyRules: 'http=proxy:3128', proxyBypassRules: '<-loopback>' }
const proxied: Promise<void> = ses.setProxy(proxyConfig)
const route: Promise<string> = ses.resolveProxy('http://example.com/')
const reloaded: Promise<void> = ses.forceReloadProxyConfig()
const cookieList: Promise<Cookie[]> = ses.cookies.get({ url: 'http://127.0.0.1/' })
const cookieSet: Promise<void> = ses.cookies.set({ url: 'http://127.0.0.1/', name: 'a', value: 'b', sameSite: 'strict' })
ses.cookies.on('changed', (_event: object, cookie: Cookie, cause: string, removed: boolean) => cookie.name + cause + String(removed))
const flushed: Promise<void> = ses.cookies.flushStore()
const wiped: Promise<void> = ses.clearStorageData({ storages: ['cookies'] })
ses.setCertificateVerifyProc((request, callback) => callback(request.hostname === 'localhost' ? 0 : -3))
ses.setCertificateVerifyProc(null)
const sslConfig: SSLConfig = { minVersion: 'tls1.2', disabledCipherSuites: [0xc02f] }
ses.setSSLConfig(sslConfig)
const onDisk: Session = session.fromPath('/tmp/typed-session')
const hostOptions: ResolveHostOptions = { queryType: 'AAAA', source: 'localOnly', cacheUsage: 'staleAllowed', secureDnsPolicy: 'disable' }
const resolved: Promise<ResolvedHost> = ses.resolveHost('localhost', hostOptions)
const addresses: Promise<string[]> = net.resolveHost('example.com').then(({ endpoints }) =>
  endpoints.map((endpoint: ResolvedEndpoint) => `${endpoint.family}:${endpoint.address}`))
const dnsCleared: Promise<void> = ses.clearHostResolverCache()
const online: boolean = net.online && net.isOnline()
const n: number = inflightCount()
const viaString: ClientRequest = new ClientRequest('http://127.0.0.1/')

// The objects are Node streams and emitters: Node's helpers take them.
async function piped (): Promise<number> {
  const upload = net.request({ method: 'PUT', url: 'http://127.0.0.1/' }, (response) => response.on('close', () => response.statusCode))
  await pipeline(Readable.from(['a', 'b']), upload)
  const [response] = await once(upload, 'response') as [IncomingMessage]
  let length = 0
  for await (const chunk of response) length += (chunk as Buffer).length
  return length
}
// @ts-expect-error 'timeout' listeners take no arguments
request.on('timeout', (ms: number) => ms)

const fetched: Promise<Response> = net.fetch('https://example.com/', {
  method: 'POST',
  body: JSON.stringify({ a: 1 }),
  headers: { 'Content-Type': 'application/json' },
  signal: AbortSignal.timeout(1000),
  bypassCustomProtocolHandlers: true,
  priority: 'highest'
})
const streamed: FetchInit = { method: 'PUT', body: new ReadableStream<Uint8Array>(), duplex: 'half', credentials: 'omit', redirect: 'error' }
const viaSession: Promise<Response> = ses.fetch(new URL('https://example.com/'), streamed)
const viaRequest: Promise<Response> = ses.fetch(new Request('https://example.com/'), { priority: 'auto' })
async function readFetched (): Promise<string> {
  const response: Response = await fetched
  const url: string = response.url
  const redirected: boolean = response.redirected
  return `${url} ${String(redirected)} ${response.status} ${await response.text()}`
}
// @ts-expect-error not a priority name
net.fetch('https://example.com/', { priority: 'urgent' })

export { cookieList, cookieSet, flushed, wiped, onDisk, resolved, addresses, dnsCleared, online, viaSession, viaRequest, readFetched }
export { samePackage, piped, value, progress, ua, stored, cleared, closed, cacheCleared, cacheSize, proxied, route, reloaded, n, viaString }
