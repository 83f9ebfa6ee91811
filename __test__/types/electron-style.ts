// Main-process code written the way an Electron app writes it, against `electron`'s own types
// (its docs' examples, its type names). tsconfig.json maps the module name 'electron' to this
// package (`paths`), so this file compiling unchanged is the claim that code typed against
// Electron's `net` and `session` compiles against ours. Nothing here may use an electron-net-rs
// extension: those belong in usage.ts. The `@ts-expect-error` lines are mistakes Electron's types
// reject; each must stay an error here too, or the check fails (types grown too loose).
import { app, net, session } from 'electron'
import type {
  AuthInfo, Certificate, ClearDataOptions, ClearStorageDataOptions, ClientRequest,
  ClientRequestConstructorOptions, Config, Cookie, CookiesGetFilter, CookiesSetDetails,
  FromPartitionOptions, IncomingMessage, ProxyConfig, Request as VerifyRequest, ResolvedEndpoint,
  ResolvedHost, ResolveHostOptions, Session, UploadProgress
} from 'electron'

// net.request with a URL string, as in Electron's net docs.
export function getGitHub (): ClientRequest {
  const request = net.request('https://github.com')
  request.on('response', (response) => {
    console.log(`STATUS: ${response.statusCode}`)
    console.log(`HEADERS: ${JSON.stringify(response.headers)}`)
    response.on('data', (chunk) => {
      console.log(`BODY: ${chunk.toString('utf8')}`)
    })
    response.on('end', () => {
      console.log('No more data in response.')
    })
  })
  request.end()
  return request
}

// net.request with options, every listener typed with Electron's signatures.
export function upload (ses: Session, body: Buffer, encoding: string): ClientRequest {
  const options: ClientRequestConstructorOptions = {
    method: 'POST',
    url: 'https://example.com/upload',
    headers: { 'Content-Type': 'application/octet-stream', Accept: ['application/json', 'text/plain'] },
    session: ses,
    credentials: 'include',
    useSessionCookies: true,
    redirect: 'manual',
    origin: 'https://example.com',
    referrerPolicy: 'strict-origin-when-cross-origin',
    cache: 'no-cache',
    priority: 'medium',
    priorityIncremental: true,
    bypassCustomProtocolHandlers: false
  }
  const request: ClientRequest = net.request(options)
  request.chunkedEncoding = true
  request.setHeader('X-Request-Id', '42')
  const accept: string = request.getHeader('Accept')
  request.removeHeader('X-Unused')

  const onResponse = (response: IncomingMessage): void => {
    const status: number = response.statusCode
    const message: string = response.statusMessage
    const headers: Record<string, string | string[]> = response.headers
    const contentType: string | string[] = headers['content-type']
    const raw: string[] = response.rawHeaders
    const version = `${response.httpVersion} ${response.httpVersionMajor}.${response.httpVersionMinor}`
    const chunks: Buffer[] = []
    response.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    response.once('end', () => console.log(status, message, contentType, raw.length, version, Buffer.concat(chunks).length))
    response.on('aborted', () => console.log('aborted'))
    response.on('error', (error: Error) => console.error(error.message))
  }
  request.on('response', onResponse)
  request.on('login', (authInfo: AuthInfo, callback: (username?: string, password?: string) => void) => {
    console.log(authInfo.isProxy, authInfo.scheme, authInfo.host, authInfo.port, authInfo.realm)
    if (authInfo.isProxy) callback()
    else callback('username', 'password')
  })
  request.on('redirect', (statusCode: number, method: string, redirectUrl: string, responseHeaders: Record<string, string[]>) => {
    if (statusCode === 307 && method === 'POST' && redirectUrl.startsWith('https:') && responseHeaders.location.length > 0) {
      request.followRedirect()
    }
  })
  request.on('error', (error: Error) => console.error(error.message))
  request.on('finish', () => console.log('finish'))
  request.on('abort', () => console.log('abort'))
  request.on('close', () => console.log('close', accept))

  // The other listener methods Electron declares, with the same overloads.
  request.once('response', onResponse)
  request.addListener('response', onResponse)
  request.removeListener('response', onResponse)
  request.off('response', onResponse)

  const timer = setInterval(() => {
    const progress: UploadProgress = request.getUploadProgress()
    if (progress.active && progress.started) console.log(`${progress.current} / ${progress.total}`)
  }, 100)
  request.once('close', () => clearInterval(timer))

  request.write('header line\n')
  request.write(body, encoding, () => console.log('written'))
  request.end(body, encoding, () => console.log('ended'))
  setTimeout(() => request.abort(), 10000)
  return request
}

// net.fetch, as in Electron's docs (and forwarding a request past custom protocol handlers).
export async function fetchJson (url: string): Promise<unknown> {
  const response: Response = await net.fetch(url)
  if (response.ok) return await response.json()
  return null
}
export async function forward (request: Request): Promise<Response> {
  const init: RequestInit & { bypassCustomProtocolHandlers?: boolean } = { bypassCustomProtocolHandlers: true }
  return await session.defaultSession.fetch(request, init)
}

export function connectivity (): boolean {
  return net.isOnline() && net.online
}

export async function addresses (host: string): Promise<string[]> {
  const options: ResolveHostOptions = { queryType: 'A', source: 'dns', cacheUsage: 'disallowed', secureDnsPolicy: 'allow' }
  const resolved: ResolvedHost = await net.resolveHost(host, options)
  const more: ResolvedHost = await session.defaultSession.resolveHost(host)
  return [...resolved.endpoints, ...more.endpoints].map((endpoint: ResolvedEndpoint) => `${endpoint.family} ${endpoint.address}`)
}

// Cookies, as in Electron's cookies docs.
export async function cookies (): Promise<Cookie[]> {
  const all: Cookie[] = await session.defaultSession.cookies.get({})
  const filter: CookiesGetFilter = { url: 'https://www.github.com', name: 'dummy_name', secure: true, session: false }
  const some = await session.defaultSession.cookies.get(filter)
  const cookie = { url: 'https://www.github.com', name: 'dummy_name', value: 'dummy' }
  await session.defaultSession.cookies.set(cookie)
  const details: CookiesSetDetails = { url: 'https://example.com', name: 'a', value: 'b', sameSite: 'no_restriction', secure: true, expirationDate: Date.now() / 1000 + 60 }
  await session.defaultSession.cookies.set(details)
  await session.defaultSession.cookies.remove('https://example.com', 'a')
  await session.defaultSession.cookies.flushStore()
  session.defaultSession.cookies.on('changed', (event, changed, cause, removed) => {
    const sameSite: 'unspecified' | 'no_restriction' | 'lax' | 'strict' = changed.sameSite
    if (cause === 'expired-overwrite' || removed) console.log(event, changed.name, changed.expirationDate, sameSite)
  })
  return [...all, ...some]
}

// Sessions, proxies and trust.
export async function configure (): Promise<Session> {
  const options: FromPartitionOptions = { cache: true }
  const ses: Session = session.fromPartition('persist:name', options)
  const onDisk: Session = session.fromPath('/var/lib/app/session', { cache: false })
  console.log(ses.isPersistent(), ses.storagePath, onDisk.storagePath)
  ses.setUserAgent('app/1.0', 'en-US,fr,de')
  console.log(ses.getUserAgent())

  const proxy: ProxyConfig = { proxyRules: 'http=foopy:80;ftp=foopy2', proxyBypassRules: '<local>' }
  await ses.setProxy(proxy)
  await ses.setProxy({ mode: 'pac_script', pacScript: 'https://example.com/proxy.pac' })
  await ses.setProxy({ mode: 'system' })
  const route: string = await ses.resolveProxy('https://example.com/')
  await ses.forceReloadProxyConfig()
  await ses.closeAllConnections()
  console.log(route)

  ses.setCertificateVerifyProc((request: VerifyRequest, callback: (verificationResult: number) => void) => {
    const { hostname } = request
    const known: boolean = request.isIssuedByKnownRoot
    if (hostname === 'github.com' && known && request.verificationResult === 'net::OK' && request.errorCode === 0) {
      callback(0)
    } else {
      callback(-2)
    }
  })
  ses.setCertificateVerifyProc(null)
  const ssl: Config = { minVersion: 'tls1.2', maxVersion: 'tls1.3', disabledCipherSuites: [0x0004, 0xC002] }
  ses.setSSLConfig(ssl)

  const storage: ClearStorageDataOptions = { origin: 'https://example.com:443', storages: ['cookies', 'localstorage'] }
  await ses.clearStorageData(storage)
  await ses.clearStorageData()
  const data: ClearDataOptions = { dataTypes: ['cookies', 'cache'], origins: ['https://example.com'] }
  await ses.clearData(data)
  await ses.clearCache()
  const size: number = await ses.getCacheSize()
  await ses.clearAuthCache()
  await ses.clearHostResolverCache()
  console.log(size, session.defaultSession === ses)
  return ses
}

export function issuerOf (certificate: Certificate): string {
  return `${certificate.issuerName} ${certificate.issuer.commonName} ${certificate.issuerCert.subjectName} ${certificate.fingerprint}`
}

// Mistakes Electron's types reject.
export function mistakes (request: ClientRequest, response: IncomingMessage): void {
  // @ts-expect-error the response listener gets an IncomingMessage
  request.on('response', (response: string) => response)
  // @ts-expect-error statusCode is a number
  request.on('redirect', (statusCode: string) => statusCode)
  // @ts-expect-error the login callback takes strings
  request.on('login', (authInfo, callback) => callback(authInfo.port))
  // @ts-expect-error no such event
  request.on('respnse', () => undefined)
  // @ts-expect-error a chunk is a Buffer
  response.on('data', (chunk: string) => chunk)
  // @ts-expect-error misspelled option
  net.request({ url: 'https://example.com/', redirct: 'manual' })
  // @ts-expect-error only http: and https:
  net.request({ protocol: 'ftp:', host: 'example.com' })
  // @ts-expect-error not a redirect mode
  net.request({ url: 'https://example.com/', redirect: 'follows' })
  // @ts-expect-error a cookie needs its url
  void session.defaultSession.cookies.set({ name: 'a', value: 'b' })
  // @ts-expect-error not a proxy mode
  void session.defaultSession.setProxy({ mode: 'manual' })
  // @ts-expect-error not a query type
  void net.resolveHost('example.com', { queryType: 'MX' })
  // @ts-expect-error statusCode is read-only data, not a method
  response.statusCode()
}

// Tests point names at local servers as Electron apps do, before any request.
export function mapHosts (port: number): boolean {
  app.commandLine.appendSwitch('host-resolver-rules', `MAP *.example.test 127.0.0.1:${port}`)
  app.commandLine.appendArgument('ignored')
  const rules: string = app.commandLine.getSwitchValue('host-resolver-rules')
  app.commandLine.removeSwitch('host-resolver-rules')
  return app.commandLine.hasSwitch('host-resolver-rules') || rules === ''
}
