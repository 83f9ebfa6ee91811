// Types for electron-net-rs: Electron's `net` module, with Electron's type names.

/// <reference types="node" />

import { Writable, Readable } from 'node:stream'
import { EventEmitter } from 'node:events'

export interface ClientRequestConstructorOptions {
  /** The HTTP request method. Defaults to GET; upper-cased. */
  method?: string
  /** The request URL, absolute, http: or https:. */
  url?: string
  /** Headers to send; arrays are sent comma-joined, names as spelled. */
  headers?: Record<string, string | string[]>
  /** The session the request belongs to; supersedes `partition`. */
  session?: Session
  /** The name of the partition whose session is used. Defaults to the default session. */
  partition?: string
  /** `include`, `omit` or `same-origin` (which needs `origin`). */
  credentials?: 'include' | 'omit' | 'same-origin'
  /** Whether to send the session's cookies. Default false. */
  useSessionCookies?: boolean
  /** `http:` or `https:`, used when `url` is absent. */
  protocol?: string
  /** `hostname:port`, used when `url` is absent. */
  host?: string
  hostname?: string
  port?: number
  path?: string
  /** Redirect mode. Default `follow`. */
  redirect?: 'follow' | 'error' | 'manual'
  /** The origin URL of the request (its initiator). */
  origin?: string
  referrerPolicy?: '' | 'no-referrer' | 'no-referrer-when-downgrade' | 'origin' | 'origin-when-cross-origin' | 'unsafe-url' | 'same-origin' | 'strict-origin' | 'strict-origin-when-cross-origin'
  cache?: 'default' | 'no-store' | 'reload' | 'no-cache' | 'force-cache' | 'only-if-cached'
  priority?: 'throttled' | 'idle' | 'lowest' | 'low' | 'medium' | 'highest'
  priorityIncremental?: boolean
  /** Accepted for compatibility; there are no custom protocols outside Electron. */
  bypassCustomProtocolHandlers?: boolean
  /** electron-net-rs extension (Node's option): milliseconds without network activity before 'timeout'. */
  timeout?: number
  /**
   * electron-net-rs extension (Node's `http.request` option): aborting the signal is
   * `request.abort()` — `'abort'` and `'close'`, no `'error'`; a live response only closes. The
   * signal's `reason` is not surfaced. An already-aborted signal aborts the request at once; the
   * request stops listening to the signal once it is over. Anything but an `AbortSignal` (or a
   * falsy value, ignored) throws Node's `ERR_INVALID_ARG_TYPE` TypeError.
   */
  signal?: AbortSignal
}

/**
 * `net.fetch` / `ses.fetch`'s second argument: the Fetch standard's `RequestInit` plus Electron's
 * `bypassCustomProtocolHandlers` (accepted, no effect) and, as an extension, Electron's request
 * `priority` (the Fetch standard's `'high'`, `'low'` and `'auto'` are accepted and ignored).
 * A `ReadableStream` body needs `duplex: 'half'` and is sent chunked.
 */
export type FetchInit = Omit<RequestInit, 'priority'> & {
  bypassCustomProtocolHandlers?: boolean
  /** Required (as `'half'`) with a stream body; some `RequestInit` typings (TypeScript's DOM lib) lack it. */
  duplex?: 'half'
  priority?: ClientRequestConstructorOptions['priority'] | 'high' | 'low' | 'auto'
}

export interface UploadProgress {
  /** Whether the request is currently active. If false no other property is meaningful. */
  active: boolean
  /** Whether the upload has started. */
  started: boolean
  /** Bytes uploaded so far. */
  current: number
  /** Bytes that will be uploaded (for a chunked body: the bytes sent so far). */
  total: number
}

export interface AuthInfo {
  isProxy: boolean
  /** Lower-case scheme, e.g. `basic` or `digest`. */
  scheme: string
  host: string
  port: number
  realm: string
}

export class IncomingMessage extends Readable {
  readonly statusCode: number
  readonly statusMessage: string
  readonly headers: Record<string, string | string[]>
  readonly rawHeaders: string[]
  readonly httpVersion: string
  readonly httpVersionMajor: number
  readonly httpVersionMinor: number
  /** Throws: HTTP trailers are not supported. */
  readonly trailers: Record<string, string>
  /** Throws: HTTP trailers are not supported. */
  readonly rawTrailers: string[]

  on(event: 'data', listener: (chunk: Buffer) => void): this
  on(event: 'end', listener: () => void): this
  on(event: 'error', listener: (error: Error) => void): this
  on(event: 'close', listener: () => void): this
  on(event: 'download-progress', listener: (current: number) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'data', listener: (chunk: Buffer) => void): this
  once(event: 'end', listener: () => void): this
  once(event: 'error', listener: (error: Error) => void): this
  once(event: 'close', listener: () => void): this
  once(event: 'download-progress', listener: (current: number) => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

export class ClientRequest extends Writable {
  constructor(options: ClientRequestConstructorOptions | string, callback?: (response: IncomingMessage) => void)
  /** Whether the body is sent with chunked transfer encoding. Set before the first write. */
  chunkedEncoding: boolean
  setHeader(name: string, value: string | number | string[]): void
  getHeader(name: string): any
  removeHeader(name: string): void
  write(chunk: string | Buffer | Uint8Array, callback?: (error?: Error | null) => void): boolean
  write(chunk: string | Buffer | Uint8Array, encoding?: BufferEncoding, callback?: (error?: Error | null) => void): boolean
  end(callback?: () => void): this
  end(chunk: string | Buffer | Uint8Array, callback?: () => void): this
  end(chunk: string | Buffer | Uint8Array, encoding?: BufferEncoding, callback?: () => void): this
  abort(): void
  followRedirect(): void
  getUploadProgress(): UploadProgress
  /** electron-net-rs extension (Node's method): 'timeout' after `ms` without network activity. */
  setTimeout(ms: number, callback?: () => void): this

  on(event: 'response', listener: (response: IncomingMessage) => void): this
  on(event: 'login', listener: (authInfo: AuthInfo, callback: (username?: string, password?: string) => void) => void): this
  on(event: 'redirect', listener: (statusCode: number, method: string, redirectUrl: string, responseHeaders: Record<string, string[]>) => void): this
  on(event: 'upload-progress', listener: (position: number, total: number) => void): this
  on(event: 'finish' | 'abort' | 'close' | 'timeout', listener: () => void): this
  on(event: 'error', listener: (error: Error) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'response', listener: (response: IncomingMessage) => void): this
  once(event: 'login', listener: (authInfo: AuthInfo, callback: (username?: string, password?: string) => void) => void): this
  once(event: 'redirect', listener: (statusCode: number, method: string, redirectUrl: string, responseHeaders: Record<string, string[]>) => void): this
  once(event: 'upload-progress', listener: (position: number, total: number) => void): this
  once(event: 'finish' | 'abort' | 'close' | 'timeout', listener: () => void): this
  once(event: 'error', listener: (error: Error) => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Electron's `ProxyConfig` (the argument of `ses.setProxy`). */
export interface ProxyConfig {
  /**
   * `direct`, `fixed_servers`, `pac_script`, or (accepted, not yet implemented: resolved as
   * direct) `auto_detect`, `system`. When absent: `pac_script` if `pacScript` is
   * non-empty, otherwise `fixed_servers`.
   */
  mode?: 'direct' | 'auto_detect' | 'pac_script' | 'fixed_servers' | 'system'
  /** The URL of a PAC file: `http:`, `https:`, `file:` or `data:`. */
  pacScript?: string
  /** `[<urlScheme>=]<proxy>[,<proxy>...][;...]`, e.g. `http=proxy:3128;https=proxy:3129`. */
  proxyRules?: string
  /** Comma-separated hosts, suffixes, IPs, CIDR blocks, `<local>`, `<-loopback>` that skip the proxy. */
  proxyBypassRules?: string
}

/** Electron's `Cookie`; `expirationDate` (seconds since the epoch) only on persistent cookies. */
export interface Cookie {
  name: string
  value: string
  domain?: string
  hostOnly?: boolean
  path?: string
  secure?: boolean
  httpOnly?: boolean
  session?: boolean
  expirationDate?: number
  sameSite: 'unspecified' | 'no_restriction' | 'lax' | 'strict'
}

export interface CookiesGetFilter {
  url?: string
  name?: string
  domain?: string
  path?: string
  secure?: boolean
  httpOnly?: boolean
  session?: boolean
}

export interface CookiesSetDetails {
  url: string
  name?: string
  value?: string
  domain?: string
  path?: string
  secure?: boolean
  httpOnly?: boolean
  expirationDate?: number
  /** Default `lax`. */
  sameSite?: 'unspecified' | 'no_restriction' | 'lax' | 'strict'
}

export type CookieChangedCause = 'explicit' | 'overwrite' | 'expired' | 'evicted' | 'expired-overwrite' |
  'inserted' | 'inserted-no-change-overwrite' | 'inserted-no-value-change-overwrite'

/** `ses.cookies`: the session's cookie store (Chromium's rules; on disk for a persistent session). */
export class Cookies extends EventEmitter {
  private constructor()
  get(filter: CookiesGetFilter): Promise<Cookie[]>
  set(details: CookiesSetDetails): Promise<void>
  remove(url: string, name: string): Promise<void>
  /** Resolves once pending writes are on disk; rejects with why they cannot be written. */
  flushStore(): Promise<void>
  on(event: 'changed', listener: (event: object, cookie: Cookie, cause: CookieChangedCause, removed: boolean) => void): this
}

export interface CertificatePrincipal {
  commonName: string
  organizations: string[]
  organizationUnits: string[]
  locality: string
  state: string
  country: string
}

/** Electron's `Certificate`. */
export interface Certificate {
  /** PEM. */
  data: string
  issuer: CertificatePrincipal
  issuerName: string
  issuerCert?: Certificate
  subject: CertificatePrincipal
  subjectName: string
  serialNumber: string
  validStart: number
  validExpiry: number
  /** `sha256/<base64>`. */
  fingerprint: string
}

export interface CertificateVerifyProcRequest {
  hostname: string
  certificate: Certificate
  validatedCertificate: Certificate
  isIssuedByKnownRoot: boolean
  /** `net::OK` or the `net::ERR_CERT_*` name of the default verdict. */
  verificationResult: string
  errorCode: number
}

export interface SSLConfig {
  minVersion?: 'tls1.2' | 'tls1.3'
  maxVersion?: 'tls1.2' | 'tls1.3'
  disabledCipherSuites?: number[]
}

export interface ClearStorageDataOptions {
  /** `scheme://host:port`: only cookies a request to it would carry. */
  origin?: string
  /** Only `cookies` exists here; absent means all. */
  storages?: string[]
  quotas?: string[]
}

export interface ClearDataOptions {
  dataTypes?: string[]
  origins?: string[]
}

export interface ResolveHostOptions {
  /** `A` or `AAAA`: only that family's addresses. Default: both. */
  queryType?: 'A' | 'AAAA'
  /**
   * `localOnly`: only IP literals, `localhost` and the host cache (else rejects with
   * `net::ERR_DNS_CACHE_MISS`). The others all use the system resolver here.
   */
  source?: 'any' | 'system' | 'dns' | 'mdns' | 'localOnly'
  /** `allowed`: fresh cache entries; `staleAllowed`: expired ones too; `disallowed`: none. */
  cacheUsage?: 'allowed' | 'staleAllowed' | 'disallowed'
  /** Accepted; there is no DNS-over-HTTPS to allow or disable. */
  secureDnsPolicy?: 'allow' | 'disable'
}

export interface ResolvedEndpoint {
  address: string
  family: 'ipv4' | 'ipv6' | 'unspec'
}

export interface ResolvedHost {
  endpoints: ResolvedEndpoint[]
}

export class Session {
  private constructor()
  /** True for the default session, `persist:` partitions and `fromPath` sessions. */
  isPersistent(): boolean
  /** Where a persistent session keeps its data (its `Cookies` file); null for in-memory sessions. */
  readonly storagePath: string | null
  readonly cookies: Cookies
  clearStorageData(options?: ClearStorageDataOptions): Promise<void>
  clearData(options?: ClearDataOptions): Promise<void>
  /**
   * `proc(request, callback)` decides whether a server certificate is trusted: `callback(0)`
   * trusts, `-2` fails, `-3` keeps the default verdict, another net error code fails with it.
   * `null` restores default verification. Verdicts are cached per host and certificate.
   */
  setCertificateVerifyProc(proc: ((request: CertificateVerifyProcRequest, callback: (verificationResult: number) => void) => void) | null): void
  /** `minVersion` / `maxVersion`: `tls1.2` or `tls1.3`; `disabledCipherSuites`: IANA numbers of TLS 1.2 suites. */
  setSSLConfig(config: SSLConfig): void
  setUserAgent(userAgent: string, acceptLanguages?: string): void
  getUserAgent(): string
  /**
   * Electron's `ses.fetch`: a WHATWG fetch through this session (its cookies, proxy, trust).
   * Resolves with Node's global `Response`; rejects with `net::ERR_*` errors, the signal's
   * reason, or Electron's redirect errors (`redirect: 'manual'` rejects, as in Electron).
   */
  fetch(input: string | Request | URL, init?: FetchInit): Promise<Response>
  clearAuthCache(): Promise<void>
  /** Requests started after the promise resolves use `config`; pooled connections keep their route until `closeAllConnections()`. */
  setProxy(config: ProxyConfig): Promise<void>
  /** `DIRECT`, `PROXY host:port`, ... joined with `;`, as a PAC script would answer. */
  resolveProxy(url: string): Promise<string>
  /** Fetches and evaluates the PAC script again (a PAC config); later lookups wait for it. */
  forceReloadProxyConfig(): Promise<void>
  /** Closes every connection of this session; requests in flight fail with `net::ERR_ABORTED`. */
  closeAllConnections(): Promise<void>
  /** Deletes every entry of this session's HTTP cache. */
  clearCache(): Promise<void>
  /** The bytes this session's HTTP cache takes. */
  getCacheSize(): Promise<number>
  /**
   * Resolves `host` as this session's requests do (sharing their host cache); rejects with
   * `net::ERR_NAME_NOT_RESOLVED` (or `net::ERR_DNS_CACHE_MISS` for `source: 'localOnly'`).
   */
  resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost>
  /** Forgets every name this session's requests and `resolveHost` looked up. */
  clearHostResolverCache(): Promise<void>
}

export interface FromPartitionOptions {
  /** Whether to enable the HTTP cache (default `true`): on disk for a persistent session, in memory otherwise. */
  cache?: boolean
}

export interface Net {
  /** `session.defaultSession.fetch(input, init)`. */
  fetch(input: string | Request | URL, init?: FetchInit): Promise<Response>
  request(options: ClientRequestConstructorOptions | string, callback?: (response: IncomingMessage) => void): ClientRequest
  /** The default session's `resolveHost`. */
  resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost>
  /** False when no network interface but loopback is up with an address; true guarantees nothing. */
  isOnline(): boolean
  /** `isOnline()` as a property. */
  readonly online: boolean
}

export interface SessionModule {
  readonly defaultSession: Session
  fromPartition(partition: string, options?: FromPartitionOptions): Session
  /** A persistent session kept in `path` (absolute); the same object for the same path. */
  fromPath(path: string, options?: FromPartitionOptions): Session
  /**
   * Where persistent sessions live (Electron's userData); call before the first session is
   * created. `ELECTRON_NET_RS_USER_DATA` does the same.
   */
  setUserDataPath(path: string): void
}

export const net: Net
export const session: SessionModule
/** Requests started and not yet finished (diagnostics). */
export function inflightCount(): number

/**
 * `net.request` options applied to every request an adapter or `request()` sends. The URL,
 * method and headers come from each call.
 */
export type AdapterRequestOptions = Omit<ClientRequestConstructorOptions, 'url' | 'method' | 'headers' | 'protocol' | 'host' | 'hostname' | 'port' | 'path'>

export interface AxiosAdapterOptions extends AdapterRequestOptions {
  /**
   * The axios module (or an instance) whose `AxiosError`, `CanceledError`, `AxiosHeaders` and
   * `getUri` the adapter uses, so that `error instanceof AxiosError` holds for your copy.
   * Default: `require('axios')` at the first request (pass it from ESM: an `import` of axios
   * is another copy than `require`'s).
   */
  axios?: unknown
}

/**
 * An axios adapter sending every request through this package: `axios.create({ adapter:
 * axiosAdapter({ session }) })`. Network failures reject with an AxiosError whose `message` is
 * the `net::ERR_*` name, `code` `ERR_NETWORK` and `cause` the original Error.
 */
export function axiosAdapter(options?: AxiosAdapterOptions): (config: any) => Promise<any>

/**
 * got's `request` option: `got.extend({ request: gotRequest({ session }) })`. Takes
 * `http.request`'s arguments; the request it returns has the members of node:http's
 * ClientRequest that got uses (typed as one so that it fits got's option).
 */
export function gotRequest(options?: AdapterRequestOptions): {
  (url: string | URL, options?: Record<string, any>, callback?: (response: IncomingMessage) => void): import('node:http').ClientRequest
  (options: Record<string, any>, callback?: (response: IncomingMessage) => void): import('node:http').ClientRequest
}

export interface RequestHelperOptions extends AdapterRequestOptions {
  /** Default GET. */
  method?: string
  headers?: Record<string, string | string[] | number | undefined>
  /** Sent with Content-Length when it is at most 64 KiB long, chunked otherwise. */
  body?: string | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array | string> | null
  /** Aborting rejects with the signal's reason (and destroys a body being read). */
  signal?: AbortSignal
}

/** The response body of `request()`: the IncomingMessage, with undici's one-shot readers. */
export interface ResponseBody extends IncomingMessage {
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
  bytes(): Promise<Uint8Array>
  blob(): Promise<Blob>
  /** The URL the response came from, after the redirects the engine followed. */
  readonly responseUrl: string
}

export interface ResponseData {
  statusCode: number
  headers: Record<string, string | string[]>
  body: ResponseBody
}

/**
 * undici-style `request(url, options)`: resolves once the response head has arrived, whatever
 * its status; rejects with the request's `net::ERR_*` Error or the signal's reason.
 */
export function request(url: string | URL, options?: RequestHelperOptions): Promise<ResponseData>
