// Types for electron-net-rs: Electron's `net` module, with Electron's type names.
//
// Names, member signatures and doc comments follow Electron's own declarations (`electron.d.ts`
// of electron 45, generated from Electron's docs; MIT License, Copyright (c) Electron
// contributors, Copyright (c) 2013-2020 GitHub Inc.), so code typed against `electron`'s `net`
// and `session` compiles against this file unchanged (__test__/types/electron-style.ts checks it).
// Where this package adds to Electron, the member says `@remarks electron-net-rs extension`;
// where it behaves differently, `@remarks electron-net-rs:`. Electron members this package does
// not implement are absent, so code using them fails to compile instead of failing at run time.
// Event listeners are typed per event, as Electron types them: an unknown event name or a
// listener of the wrong shape does not compile.

/// <reference types="node" />

import { Writable, Readable } from 'node:stream'
import { EventEmitter } from 'node:events'

export interface ClientRequestConstructorOptions {
  /**
   * The HTTP request method. Defaults to the GET method.
   */
  method?: string
  /**
   * The request URL. Must be provided in the absolute form with the protocol scheme
   * specified as http or https.
   */
  url?: string
  /**
   * Headers to be sent with the request.
   */
  headers?: Record<string, string | string[]>
  /**
   * The `Session` instance with which the request is associated.
   */
  session?: Session
  /**
   * The name of the `partition` with which the request is associated. Defaults to
   * the empty string. The `session` option supersedes `partition`. Thus if a
   * `session` is explicitly specified, `partition` is ignored.
   */
  partition?: string
  /**
   * When set to `true`, custom protocol handlers registered for the request's URL
   * scheme will not be called. This allows forwarding an intercepted request to the
   * built-in handler. webRequest handlers will still be triggered when bypassing
   * custom protocols. Defaults to `false`.
   *
   * @remarks electron-net-rs: accepted, no effect (there are no custom protocols outside Electron).
   */
  bypassCustomProtocolHandlers?: boolean
  /**
   * Can be `include`, `omit` or `same-origin`. Whether to send credentials with this
   * request. If set to `include`, credentials from the session associated with the
   * request will be used. If set to `omit`, credentials will not be sent with the
   * request (and the `'login'` event will not be triggered in the event of a 401).
   * If set to `same-origin`, `origin` must also be specified. This matches the
   * behavior of the fetch option of the same name. If this option is not specified,
   * authentication data from the session will be sent, and cookies will not be sent
   * (unless `useSessionCookies` is set).
   */
  credentials?: 'include' | 'omit' | 'same-origin'
  /**
   * Whether to send cookies with this request from the provided session. If
   * `credentials` is specified, this option has no effect. Default is `false`.
   */
  useSessionCookies?: boolean
  /**
   * Can be `http:` or `https:`. The protocol scheme in the form 'scheme:'. Defaults
   * to 'http:'.
   */
  protocol?: 'http:' | 'https:'
  /**
   * The server host provided as a concatenation of the hostname and the port number
   * 'hostname:port'.
   */
  host?: string
  /**
   * The server host name.
   */
  hostname?: string
  /**
   * The server's listening port number.
   */
  port?: number
  /**
   * The path part of the request URL.
   */
  path?: string
  /**
   * Can be `follow`, `error` or `manual`. The redirect mode for this request. When
   * mode is `error`, any redirection will be aborted. When mode is `manual` the
   * redirection will be cancelled unless `request.followRedirect` is invoked
   * synchronously during the `redirect` event.  Defaults to `follow`.
   */
  redirect?: 'follow' | 'error' | 'manual'
  /**
   * The origin URL of the request.
   */
  origin?: string
  /**
   * can be "", `no-referrer`, `no-referrer-when-downgrade`, `origin`,
   * `origin-when-cross-origin`, `unsafe-url`, `same-origin`, `strict-origin`, or
   * `strict-origin-when-cross-origin`. Defaults to
   * `strict-origin-when-cross-origin`.
   */
  referrerPolicy?: '' | 'no-referrer' | 'no-referrer-when-downgrade' | 'origin' | 'origin-when-cross-origin' | 'unsafe-url' | 'same-origin' | 'strict-origin' | 'strict-origin-when-cross-origin'
  /**
   * can be `default`, `no-store`, `reload`, `no-cache`, `force-cache` or
   * `only-if-cached`.
   */
  cache?: 'default' | 'no-store' | 'reload' | 'no-cache' | 'force-cache' | 'only-if-cached'
  /**
   * can be `throttled`, `idle`, `lowest`, `low`, `medium`, or `highest`. Defaults to
   * `idle`.
   */
  priority?: 'throttled' | 'idle' | 'lowest' | 'low' | 'medium' | 'highest'
  /**
   * the incremental loading flag as part of HTTP extensible priorities (RFC 9218).
   * Default is `true`.
   */
  priorityIncremental?: boolean
  /**
   * Milliseconds without network activity before the request emits `'timeout'`.
   *
   * @remarks electron-net-rs extension (Node's option; Electron has none).
   */
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
 * A `ReadableStream` body needs `duplex: 'half'` and is sent chunked. Electron's own type,
 * `RequestInit & { bypassCustomProtocolHandlers?: boolean }`, is assignable to it.
 */
export type FetchInit = Omit<RequestInit, 'priority'> & {
  bypassCustomProtocolHandlers?: boolean
  /** Required (as `'half'`) with a stream body; some `RequestInit` typings (TypeScript's DOM lib) lack it. */
  duplex?: 'half'
  priority?: ClientRequestConstructorOptions['priority'] | 'high' | 'low' | 'auto'
}

export interface UploadProgress {
  /**
   * Whether the request is currently active. If this is false no other properties
   * will be set
   */
  active: boolean
  /**
   * Whether the upload has started. If this is false both `current` and `total` will
   * be set to 0.
   */
  started: boolean
  /**
   * The number of bytes that have been uploaded so far
   */
  current: number
  /**
   * The number of bytes that will be uploaded this request
   *
   * @remarks electron-net-rs: for a chunked body, the bytes sent so far.
   */
  total: number
}

export interface AuthInfo {
  isProxy: boolean
  /** @remarks electron-net-rs: lower-case, e.g. `basic` or `digest`. */
  scheme: string
  host: string
  port: number
  realm: string
}

export class IncomingMessage extends Readable {
  // Docs: https://electronjs.org/docs/api/incoming-message

  /**
   * Emitted when a request has been canceled during an ongoing HTTP transaction.
   *
   * @remarks electron-net-rs: never emitted, as in Electron's code (its docs list it); after
   * `abort()` the response only closes.
   */
  on(event: 'aborted', listener: () => void): this
  off(event: 'aborted', listener: () => void): this
  once(event: 'aborted', listener: () => void): this
  addListener(event: 'aborted', listener: () => void): this
  removeListener(event: 'aborted', listener: () => void): this
  /**
   * The `data` event is the usual method of transferring response data into
   * applicative code.
   */
  on(event: 'data', listener: (
    /**
     * A chunk of response body's data.
     */
    chunk: Buffer) => void): this
  off(event: 'data', listener: (chunk: Buffer) => void): this
  once(event: 'data', listener: (chunk: Buffer) => void): this
  addListener(event: 'data', listener: (chunk: Buffer) => void): this
  removeListener(event: 'data', listener: (chunk: Buffer) => void): this
  /**
   * Indicates that response body has ended. Must be placed before 'data' event.
   */
  on(event: 'end', listener: () => void): this
  off(event: 'end', listener: () => void): this
  once(event: 'end', listener: () => void): this
  addListener(event: 'end', listener: () => void): this
  removeListener(event: 'end', listener: () => void): this
  /**
   * Emitted when an error was encountered while streaming response data events. For
   * instance, if the server closes the underlying connection while the response is
   * still streaming, an `error` event will be emitted on the response object and a
   * `close` event will subsequently follow on the request object.
   */
  on(event: 'error', listener: (
    /**
     * Typically holds an error string identifying failure root cause.
     */
    error: Error) => void): this
  off(event: 'error', listener: (error: Error) => void): this
  once(event: 'error', listener: (error: Error) => void): this
  addListener(event: 'error', listener: (error: Error) => void): this
  removeListener(event: 'error', listener: (error: Error) => void): this
  /**
   * Body bytes received so far.
   *
   * @remarks electron-net-rs: Electron emits it too, but does not declare it in its types.
   */
  on(event: 'download-progress', listener: (current: number) => void): this
  off(event: 'download-progress', listener: (current: number) => void): this
  once(event: 'download-progress', listener: (current: number) => void): this
  addListener(event: 'download-progress', listener: (current: number) => void): this
  removeListener(event: 'download-progress', listener: (current: number) => void): this
  /**
   * Node's `Readable` events: the response is a `Readable` in Electron too, though its types
   * declare only the events above.
   */
  on(event: 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this
  off(event: 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this
  once(event: 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this
  addListener(event: 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this
  removeListener(event: 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this
  /**
   * A `Record<string, string | string[]>` representing the HTTP response headers.
   * The `headers` object is formatted as follows:
   *
   * * All header names are lowercased.
   * * Duplicates of `age`, `authorization`, `content-length`, `content-type`,
   * `etag`, `expires`, `from`, `host`, `if-modified-since`, `if-unmodified-since`,
   * `last-modified`, `location`, `max-forwards`, `proxy-authorization`, `referer`,
   * `retry-after`, `server`, or `user-agent` are discarded.
   * * `set-cookie` is always an array. Duplicates are added to the array.
   * * For duplicate `cookie` headers, the values are joined together with '; '.
   * * For all other headers, the values are joined together with ', '.
   */
  readonly headers: Record<string, string | string[]>
  /**
   * A `string` indicating the HTTP protocol version number. Typical values are '1.0'
   * or '1.1'. Additionally `httpVersionMajor` and `httpVersionMinor` are two
   * Integer-valued readable properties that return respectively the HTTP major and
   * minor version numbers.
   *
   * @remarks electron-net-rs: `'2.0'` over HTTP/2 (Chromium reports `'1.1'`).
   */
  readonly httpVersion: string
  /**
   * An `Integer` indicating the HTTP protocol major version number.
   */
  readonly httpVersionMajor: number
  /**
   * An `Integer` indicating the HTTP protocol minor version number.
   */
  readonly httpVersionMinor: number
  /**
   * A `string[]` containing the raw HTTP response headers exactly as they were
   * received. The keys and values are in the same list. It is not a list of tuples.
   * So, the even-numbered offsets are key values, and the odd-numbered offsets are
   * the associated values. Header names are not lowercased, and duplicates are not
   * merged.
   */
  readonly rawHeaders: string[]
  /**
   * An `Integer` indicating the HTTP response status code.
   */
  readonly statusCode: number
  /**
   * A `string` representing the HTTP status message.
   *
   * @remarks electron-net-rs: `''` over HTTP/2.
   */
  readonly statusMessage: string
  /**
   * Throws `HTTP trailers are not supported`, as Electron's does (its types do not declare it).
   */
  readonly trailers: Record<string, string>
  /**
   * Throws `HTTP trailers are not supported`, as Electron's does (its types do not declare it).
   */
  readonly rawTrailers: string[]
}

export class ClientRequest extends Writable {
  // Docs: https://electronjs.org/docs/api/client-request

  /**
   * Emitted when the `request` is aborted. The `abort` event will not be fired if
   * the `request` is already closed.
   */
  on(event: 'abort', listener: () => void): this
  off(event: 'abort', listener: () => void): this
  once(event: 'abort', listener: () => void): this
  addListener(event: 'abort', listener: () => void): this
  removeListener(event: 'abort', listener: () => void): this
  /**
   * Emitted as the last event in the HTTP request-response transaction. The `close`
   * event indicates that no more events will be emitted on either the `request` or
   * `response` objects.
   */
  on(event: 'close', listener: () => void): this
  off(event: 'close', listener: () => void): this
  once(event: 'close', listener: () => void): this
  addListener(event: 'close', listener: () => void): this
  removeListener(event: 'close', listener: () => void): this
  /**
   * Emitted when the `net` module fails to issue a network request. Typically when
   * the `request` object emits an `error` event, a `close` event will subsequently
   * follow and no response object will be provided.
   */
  on(event: 'error', listener: (
    /**
     * an error object providing some information about the failure.
     */
    error: Error) => void): this
  off(event: 'error', listener: (error: Error) => void): this
  once(event: 'error', listener: (error: Error) => void): this
  addListener(event: 'error', listener: (error: Error) => void): this
  removeListener(event: 'error', listener: (error: Error) => void): this
  /**
   * Emitted just after the last chunk of the `request`'s data has been written into
   * the `request` object.
   */
  on(event: 'finish', listener: () => void): this
  off(event: 'finish', listener: () => void): this
  once(event: 'finish', listener: () => void): this
  addListener(event: 'finish', listener: () => void): this
  removeListener(event: 'finish', listener: () => void): this
  /**
   * Emitted when an authenticating proxy is asking for user credentials.
   *
   * The `callback` function is expected to be called back with user credentials:
   *
   * * `username` string
   * * `password` string
   *
   * Providing empty credentials will cancel the request and report an authentication
   * error on the response object:
   */
  on(event: 'login', listener: (authInfo: AuthInfo,
    callback: (username?: string, password?: string) => void) => void): this
  off(event: 'login', listener: (authInfo: AuthInfo,
    callback: (username?: string, password?: string) => void) => void): this
  once(event: 'login', listener: (authInfo: AuthInfo,
    callback: (username?: string, password?: string) => void) => void): this
  addListener(event: 'login', listener: (authInfo: AuthInfo,
    callback: (username?: string, password?: string) => void) => void): this
  removeListener(event: 'login', listener: (authInfo: AuthInfo,
    callback: (username?: string, password?: string) => void) => void): this
  /**
   * Emitted when the server returns a redirect response (e.g. 301 Moved
   * Permanently). Calling `request.followRedirect` will continue with the
   * redirection.  If this event is handled, `request.followRedirect` must be called
   * **synchronously**, otherwise the request will be cancelled.
   */
  on(event: 'redirect', listener: (statusCode: number,
    method: string,
    redirectUrl: string,
    responseHeaders: Record<string, string[]>) => void): this
  off(event: 'redirect', listener: (statusCode: number,
    method: string,
    redirectUrl: string,
    responseHeaders: Record<string, string[]>) => void): this
  once(event: 'redirect', listener: (statusCode: number,
    method: string,
    redirectUrl: string,
    responseHeaders: Record<string, string[]>) => void): this
  addListener(event: 'redirect', listener: (statusCode: number,
    method: string,
    redirectUrl: string,
    responseHeaders: Record<string, string[]>) => void): this
  removeListener(event: 'redirect', listener: (statusCode: number,
    method: string,
    redirectUrl: string,
    responseHeaders: Record<string, string[]>) => void): this
  on(event: 'response', listener: (
    /**
     * An object representing the HTTP response message.
     */
    response: IncomingMessage) => void): this
  off(event: 'response', listener: (response: IncomingMessage) => void): this
  once(event: 'response', listener: (response: IncomingMessage) => void): this
  addListener(event: 'response', listener: (response: IncomingMessage) => void): this
  removeListener(event: 'response', listener: (response: IncomingMessage) => void): this
  /**
   * Emitted while the body is uploaded: bytes sent so far and the body's size.
   *
   * @remarks electron-net-rs: Electron emits it too, but does not declare it in its types. For
   * a chunked body `total` is the bytes sent so far.
   */
  on(event: 'upload-progress', listener: (position: number, total: number) => void): this
  off(event: 'upload-progress', listener: (position: number, total: number) => void): this
  once(event: 'upload-progress', listener: (position: number, total: number) => void): this
  addListener(event: 'upload-progress', listener: (position: number, total: number) => void): this
  removeListener(event: 'upload-progress', listener: (position: number, total: number) => void): this
  /**
   * Emitted after `timeout` milliseconds (the option or `setTimeout`) without network activity;
   * unhandled, the request fails with `net::ERR_TIMED_OUT`.
   *
   * @remarks electron-net-rs extension (Node's event; Electron has none).
   */
  on(event: 'timeout', listener: () => void): this
  off(event: 'timeout', listener: () => void): this
  once(event: 'timeout', listener: () => void): this
  addListener(event: 'timeout', listener: () => void): this
  removeListener(event: 'timeout', listener: () => void): this
  /**
   * Node's `Writable` events: the request is a `Writable` in Electron too, though its types
   * declare only the events above.
   */
  on(event: 'drain', listener: () => void): this
  off(event: 'drain', listener: () => void): this
  once(event: 'drain', listener: () => void): this
  addListener(event: 'drain', listener: () => void): this
  removeListener(event: 'drain', listener: () => void): this
  on(event: 'pipe' | 'unpipe', listener: (src: Readable) => void): this
  off(event: 'pipe' | 'unpipe', listener: (src: Readable) => void): this
  once(event: 'pipe' | 'unpipe', listener: (src: Readable) => void): this
  addListener(event: 'pipe' | 'unpipe', listener: (src: Readable) => void): this
  removeListener(event: 'pipe' | 'unpipe', listener: (src: Readable) => void): this
  /**
   * ClientRequest
   *
   * @remarks electron-net-rs: `callback` is added as a `'response'` listener; Electron's code
   * accepts it too, though its types do not declare it.
   */
  constructor(options: ClientRequestConstructorOptions | string, callback?: (response: IncomingMessage) => void)
  /**
   * Cancels an ongoing HTTP transaction. If the request has already emitted the
   * `close` event, the abort operation will have no effect. Otherwise an ongoing
   * event will emit `abort` and `close` events. Additionally, if there is an ongoing
   * response object, it will emit the `aborted` event.
   */
  abort(): void
  /**
   * Sends the last chunk of the request data. Subsequent write or end operations
   * will not be allowed. The `finish` event is emitted just after the end operation.
   */
  end(chunk?: string | Buffer | Uint8Array, encoding?: string, callback?: () => void): this
  /** Node's `Writable` form of `end`. */
  end(chunk: string | Buffer | Uint8Array, callback?: () => void): this
  /** Node's `Writable` form of `end`. */
  end(callback?: () => void): this
  /**
   * Continues any pending redirection. Can only be called during a `'redirect'`
   * event.
   */
  followRedirect(): void
  /**
   * The value of a previously set extra header name.
   *
   * @remarks electron-net-rs: as Electron's code does, returns the value as it was set
   * (`undefined` for a header never set).
   */
  getHeader(name: string): string
  /**
   * * `active` boolean - Whether the request is currently active. If this is false
   * no other properties will be set
   * * `started` boolean - Whether the upload has started. If this is false both
   * `current` and `total` will be set to 0.
   * * `current` Integer - The number of bytes that have been uploaded so far
   * * `total` Integer - The number of bytes that will be uploaded this request
   *
   * You can use this method in conjunction with `POST` requests to get the progress
   * of a file upload or other data transfer.
   */
  getUploadProgress(): UploadProgress
  /**
   * Removes a previously set extra header name. This method can be called only
   * before first write. Trying to call it after the first write will throw an error.
   */
  removeHeader(name: string): void
  /**
   * Adds an extra HTTP header. The header name will be issued as-is without
   * lowercasing. It can be called only before first write. Calling this method after
   * the first write will throw an error. If the passed value is not a `string`, its
   * `toString()` method will be called to obtain the final value.
   *
   * Certain headers are restricted from being set by apps. These headers are listed
   * below. More information on restricted headers can be found in Chromium's header
   * utils.
   *
   * * `Content-Length`
   * * `Host`
   * * `Trailer` or `Te`
   * * `Upgrade`
   * * `Cookie2`
   * * `Keep-Alive`
   * * `Transfer-Encoding`
   *
   * Additionally, setting the `Connection` header to the value `upgrade` is also
   * disallowed.
   *
   * @remarks electron-net-rs: numbers and arrays are accepted too (Electron's code does the
   * same; an array is sent comma-joined).
   */
  setHeader(name: string, value: string | number | string[]): void
  /**
   * `callback` is essentially a dummy function introduced in the purpose of keeping
   * similarity with the Node.js API. It is called asynchronously in the next tick
   * after `chunk` content have been delivered to the Chromium networking layer.
   * Contrary to the Node.js implementation, it is not guaranteed that `chunk`
   * content have been flushed on the wire before `callback` is called.
   *
   * Adds a chunk of data to the request body. The first write operation may cause
   * the request headers to be issued on the wire. After the first write operation,
   * it is not allowed to add or remove a custom header.
   *
   * @remarks electron-net-rs: returns `Writable.write`'s backpressure flag (Electron's types say
   * `void`; its request is a `Writable` too).
   */
  write(chunk: string | Buffer | Uint8Array, encoding?: string, callback?: (error?: Error | null) => void): boolean
  /** Node's `Writable` form of `write`. */
  write(chunk: string | Buffer | Uint8Array, callback?: (error?: Error | null) => void): boolean
  /**
   * 'timeout' after `ms` milliseconds without network activity.
   *
   * @remarks electron-net-rs extension (Node's method; Electron has none).
   */
  setTimeout(ms: number, callback?: () => void): this
  /**
   * A `boolean` specifying whether the request will use HTTP chunked transfer
   * encoding or not. Defaults to false. The property is readable and writable,
   * however it can be set only before the first write operation as the HTTP headers
   * are not yet put on the wire. Trying to set the `chunkedEncoding` property after
   * the first write will throw an error.
   *
   * Using chunked encoding is strongly recommended if you need to send a large
   * request body as data will be streamed in small chunks instead of being
   * internally buffered inside Electron process memory.
   */
  chunkedEncoding: boolean
}

export interface ProxyConfig {
  // Docs: https://electronjs.org/docs/api/structures/proxy-config

  /**
   * The proxy mode. Should be one of `direct`, `auto_detect`, `pac_script`,
   * `fixed_servers` or `system`. Defaults to `pac_script` proxy mode if `pacScript`
   * option is specified otherwise defaults to `fixed_servers`.
   *
   * @remarks electron-net-rs: `system` reads the environment's proxy variables (as Chromium on
   * Linux); `auto_detect` loads `http://wpad/wpad.dat` as a PAC script.
   */
  mode?: 'direct' | 'auto_detect' | 'pac_script' | 'fixed_servers' | 'system'
  /**
   * The URL associated with the PAC file.
   *
   * @remarks electron-net-rs: an `http:`, `https:`, `file:` or `data:` URL.
   */
  pacScript?: string
  /**
   * Rules indicating which URLs should bypass the proxy settings.
   */
  proxyBypassRules?: string
  /**
   * Rules indicating which proxies to use.
   */
  proxyRules?: string
}

export interface Cookie {
  // Docs: https://electronjs.org/docs/api/structures/cookie

  /**
   * The domain of the cookie; this will be normalized with a preceding dot so that
   * it's also valid for subdomains.
   */
  domain?: string
  /**
   * The expiration date of the cookie as the number of seconds since the UNIX epoch.
   * Not provided for session cookies.
   */
  expirationDate?: number
  /**
   * Whether the cookie is a host-only cookie; this will only be `true` if no domain
   * was passed.
   */
  hostOnly?: boolean
  /**
   * Whether the cookie is marked as HTTP only.
   */
  httpOnly?: boolean
  /**
   * The name of the cookie.
   */
  name: string
  /**
   * The path of the cookie.
   */
  path?: string
  /**
   * The Same Site policy applied to this cookie.  Can be `unspecified`,
   * `no_restriction`, `lax` or `strict`.
   */
  sameSite: 'unspecified' | 'no_restriction' | 'lax' | 'strict'
  /**
   * Whether the cookie is marked as secure.
   */
  secure?: boolean
  /**
   * Whether the cookie is a session cookie or a persistent cookie with an expiration
   * date.
   */
  session?: boolean
  /**
   * The value of the cookie.
   */
  value: string
}

export interface CookiesGetFilter {
  /**
   * Retrieves cookies which are associated with `url`. Empty implies retrieving
   * cookies of all URLs.
   */
  url?: string
  /**
   * Filters cookies by name.
   */
  name?: string
  /**
   * Retrieves cookies whose domains match or are subdomains of `domains`.
   */
  domain?: string
  /**
   * Retrieves cookies whose path matches `path`.
   */
  path?: string
  /**
   * Filters cookies by their Secure property.
   */
  secure?: boolean
  /**
   * Filters out session or persistent cookies.
   */
  session?: boolean
  /**
   * Filters cookies by httpOnly.
   */
  httpOnly?: boolean
}

export interface CookiesSetDetails {
  /**
   * The URL to associate the cookie with. The promise will be rejected if the URL is
   * invalid.
   */
  url: string
  /**
   * The name of the cookie. Empty by default if omitted.
   */
  name?: string
  /**
   * The value of the cookie. Empty by default if omitted.
   */
  value?: string
  /**
   * The domain of the cookie; this will be normalized with a preceding dot so that
   * it's also valid for subdomains. Empty by default if omitted.
   */
  domain?: string
  /**
   * The path of the cookie. Empty by default if omitted.
   */
  path?: string
  /**
   * Whether the cookie should be marked as Secure. Defaults to false unless Same
   * Site=None attribute is used.
   */
  secure?: boolean
  /**
   * Whether the cookie should be marked as HTTP only. Defaults to false.
   */
  httpOnly?: boolean
  /**
   * The expiration date of the cookie as the number of seconds since the UNIX epoch.
   * If omitted then the cookie becomes a session cookie and will not be retained
   * between sessions.
   */
  expirationDate?: number
  /**
   * The Same Site policy to apply to this cookie.  Can be `unspecified`,
   * `no_restriction`, `lax` or `strict`.  Default is `lax`.
   */
  sameSite?: 'unspecified' | 'no_restriction' | 'lax' | 'strict'
}

/** The cause of a cookie change (the `'changed'` event); Electron writes the union inline. */
export type CookieChangedCause = 'inserted' | 'inserted-no-change-overwrite' | 'inserted-no-value-change-overwrite' |
  'explicit' | 'overwrite' | 'expired' | 'evicted' | 'expired-overwrite'

/** The `'changed'` listener of `Cookies`. */
type CookiesChangedListener = (event: {
  /** Electron's `Event`: nothing reads it back for `'changed'`. */
  preventDefault(): void
  readonly defaultPrevented: boolean
},
  /**
   * The cookie that was changed.
   */
  cookie: Cookie,
  /**
   * The cause of the change with one of the following values:
   */
  cause: CookieChangedCause,
  /**
   * `true` if the cookie was removed, `false` otherwise.
   */
  removed: boolean) => void

export class Cookies extends EventEmitter {
  // Docs: https://electronjs.org/docs/api/cookies

  private constructor()
  /**
   * Emitted when a cookie is changed because it was added, edited, removed, or
   * expired.
   *
   * @remarks electron-net-rs: `event` is an empty object (Electron's has `preventDefault`).
   */
  on(event: 'changed', listener: CookiesChangedListener): this
  off(event: 'changed', listener: CookiesChangedListener): this
  once(event: 'changed', listener: CookiesChangedListener): this
  addListener(event: 'changed', listener: CookiesChangedListener): this
  removeListener(event: 'changed', listener: CookiesChangedListener): this
  /**
   * A promise which resolves when the cookie store has been flushed.
   *
   * Writes any unwritten cookies data to disk.
   *
   * Cookies written by any method will not be written to disk immediately, but will
   * be written every 30 seconds or 512 operations, and when the app quits.
   *
   * Calling this method can cause the cookie to be written to disk immediately.
   *
   * @remarks electron-net-rs: rejects with why pending writes cannot be written.
   */
  flushStore(): Promise<void>
  /**
   * A promise which resolves an array of cookie objects.
   *
   * Sends a request to get all cookies matching `filter`, and resolves a promise
   * with the response.
   */
  get(filter: CookiesGetFilter): Promise<Cookie[]>
  /**
   * A promise which resolves when the cookie has been removed.
   *
   * Removes the cookies matching `url` and `name`.
   */
  remove(url: string, name: string): Promise<void>
  /**
   * A promise which resolves when the cookie has been set.
   *
   * Sets a cookie with `details`.
   */
  set(details: CookiesSetDetails): Promise<void>
}

export interface CertificatePrincipal {
  // Docs: https://electronjs.org/docs/api/structures/certificate-principal

  /**
   * Common Name.
   */
  commonName: string
  /**
   * Country or region.
   */
  country: string
  /**
   * Locality.
   */
  locality: string
  /**
   * Organization names.
   */
  organizations: string[]
  /**
   * Organization Unit names.
   */
  organizationUnits: string[]
  /**
   * State or province.
   */
  state: string
}

export interface Certificate {
  // Docs: https://electronjs.org/docs/api/structures/certificate

  /**
   * PEM encoded data
   */
  data: string
  /**
   * Fingerprint of the certificate
   *
   * @remarks electron-net-rs: `sha256/<base64>`, as Chromium writes it.
   */
  fingerprint: string
  /**
   * Issuer principal
   */
  issuer: CertificatePrincipal
  /**
   * Issuer certificate (if not self-signed)
   *
   * @remarks electron-net-rs: absent on the last certificate of the chain, as in Electron
   * (whose types do not mark it optional either).
   */
  issuerCert: Certificate
  /**
   * Issuer's Common Name
   */
  issuerName: string
  /**
   * Hex value represented string
   */
  serialNumber: string
  /**
   * Subject principal
   */
  subject: CertificatePrincipal
  /**
   * Subject's Common Name
   */
  subjectName: string
  /**
   * End date of the certificate being valid in seconds
   */
  validExpiry: number
  /**
   * Start date of the certificate being valid in seconds
   */
  validStart: number
}

/** The `request` a certificate verify proc (`ses.setCertificateVerifyProc`) gets. */
export interface CertificateVerifyProcRequest {
  hostname: string
  certificate: Certificate
  validatedCertificate: Certificate
  /**
   * `true` if Chromium recognises the root CA as a standard root. If it isn't then
   * it's probably the case that this certificate was generated by a MITM proxy whose
   * root has been installed locally (for example, by a corporate proxy). This should
   * not be trusted if the `verificationResult` is not `OK`.
   */
  isIssuedByKnownRoot: boolean
  /**
   * `OK` if the certificate is trusted, otherwise an error like `CERT_REVOKED`.
   *
   * @remarks electron-net-rs: `net::OK` or the `net::ERR_CERT_*` name, as Electron's code
   * writes it.
   */
  verificationResult: string
  /**
   * Error code.
   */
  errorCode: number
}

/**
 * Electron's name for `CertificateVerifyProcRequest` (what `import type { Request } from
 * 'electron'` means); the fetch API's `Request` is the global one.
 */
export type Request = CertificateVerifyProcRequest

/** `ses.setSSLConfig`'s argument, under Electron's name (`Config`). */
export interface Config {
  /**
   * Can be `tls1.2` or `tls1.3`. The minimum SSL version to allow when connecting to
   * remote servers. Defaults to `tls1.2`.
   */
  minVersion?: 'tls1.2' | 'tls1.3'
  /**
   * Can be `tls1.2` or `tls1.3`. The maximum SSL version to allow when connecting to
   * remote servers. Defaults to `tls1.3`.
   */
  maxVersion?: 'tls1.2' | 'tls1.3'
  /**
   * List of cipher suites which should be explicitly prevented from being used in
   * addition to those disabled by the net built-in policy. Supported literal forms:
   * 0xAABB, where AA is `cipher_suite[0]` and BB is `cipher_suite[1]`, as defined in
   * RFC 2246, Section 7.4.1.2. Unrecognized but parsable cipher suites in this form
   * will not return an error. Ex: To disable TLS_RSA_WITH_RC4_128_MD5, specify
   * 0x0004, while to disable TLS_ECDH_ECDSA_WITH_RC4_128_SHA, specify 0xC002. Note
   * that TLSv1.3 ciphers cannot be disabled using this mechanism.
   */
  disabledCipherSuites?: number[]
}

/** `Config`, under the name this package used first. */
export type SSLConfig = Config

export interface ClearStorageDataOptions {
  /**
   * Should follow `window.location.origin`’s representation `scheme://host:port`.
   *
   * @remarks electron-net-rs: clears the cookies a request to that origin would carry.
   */
  origin?: string
  /**
   * The types of storages to clear, can be `cookies`, `filesystem`, `indexdb`,
   * `localstorage`, `shadercache`, `serviceworkers`, `cachestorage`. If not
   * specified, clear all storage types.
   *
   * @remarks electron-net-rs: only `cookies` exist here; the others have nothing to clear.
   */
  storages?: Array<'cookies' | 'filesystem' | 'indexdb' | 'localstorage' | 'shadercache' | 'serviceworkers' | 'cachestorage'>
  /**
   * @deprecated Electron no longer has it; ignored.
   */
  quotas?: string[]
}

export interface ClearDataOptions {
  /**
   * The types of data to clear. By default, this will clear all types of data. This
   * can potentially include data types not explicitly listed here. (See Chromium's
   * `BrowsingDataRemover` for the full list.)
   *
   * @remarks electron-net-rs: only `cookies` and `cache` exist here; the others have nothing
   * to clear.
   */
  dataTypes?: Array<'backgroundFetch' | 'cache' | 'cookies' | 'downloads' | 'fileSystems' | 'indexedDB' | 'localStorage' | 'serviceWorkers' | 'webSQL'>
  /**
   * Clear data for only these origins. Cannot be used with `excludeOrigins`.
   *
   * @remarks electron-net-rs: cookies are matched by registrable domain, as Electron does; the
   * HTTP cache is cleared whole.
   */
  origins?: string[]
  /**
   * Clear data for all origins except these ones. Cannot be used with `origins`.
   *
   * @remarks electron-net-rs: the cookies of these origins are kept (matched as for `origins`);
   * the HTTP cache is cleared whole.
   */
  excludeOrigins?: string[]
}

export interface ResolveHostOptions {
  /**
   * Requested DNS query type. If unspecified, resolver will pick A or AAAA (or both)
   * based on IPv4/IPv6 settings:
   *
   * * `A` - Fetch only A records
   * * `AAAA` - Fetch only AAAA records.
   */
  queryType?: 'A' | 'AAAA'
  /**
   * The source to use for resolved addresses. Default allows the resolver to pick an
   * appropriate source. Only affects use of big external sources (e.g. calling the
   * system for resolution or using DNS). Even if a source is specified, results can
   * still come from cache, resolving "localhost" or IP literals, etc. One of the
   * following values:
   *
   * * `any` (default) - Resolver will pick an appropriate source. Results could come
   *   from DNS, MulticastDNS, HOSTS file, etc
   * * `system` - Results will only be retrieved from the system or OS, e.g. via the
   *   `getaddrinfo()` system call
   * * `dns` - Results will only come from DNS queries
   * * `mdns` - Results will only come from Multicast DNS queries
   * * `localOnly` - No external sources will be used. Results will only come from
   *   fast local sources that are available no matter the source setting, e.g. cache,
   *   hosts file, IP literal resolution, etc.
   *
   * @remarks electron-net-rs: every source but `localOnly` uses the system resolver;
   * `localOnly` rejects with `net::ERR_DNS_CACHE_MISS` when the answer is not local or cached.
   */
  source?: 'any' | 'system' | 'dns' | 'mdns' | 'localOnly'
  /**
   * Indicates what DNS cache entries, if any, can be used to provide a response. One
   * of the following values:
   *
   * * `allowed` (default) - Results may come from the host cache if non-stale
   * * `staleAllowed` - Results may come from the host cache even if stale (by
   *   expiration or network changes)
   * * `disallowed` - Results will not come from the host cache.
   */
  cacheUsage?: 'allowed' | 'staleAllowed' | 'disallowed'
  /**
   * Controls the resolver's Secure DNS behavior for this request. One of the
   * following values:
   *
   * * `allow` (default)
   * * `disable`
   *
   * @remarks electron-net-rs: accepted; there is no DNS-over-HTTPS to allow or disable.
   */
  secureDnsPolicy?: 'allow' | 'disable'
}

export interface ResolvedEndpoint {
  // Docs: https://electronjs.org/docs/api/structures/resolved-endpoint

  address: string
  /**
   * One of the following:
   *
   * * `ipv4` - Corresponds to `AF_INET`
   * * `ipv6` - Corresponds to `AF_INET6`
   * * `unspec` - Corresponds to `AF_UNSPEC`
   */
  family: 'ipv4' | 'ipv6' | 'unspec'
}

export interface ResolvedHost {
  // Docs: https://electronjs.org/docs/api/structures/resolved-host

  /**
   * resolved DNS entries for the hostname
   */
  endpoints: ResolvedEndpoint[]
}

export class Session {
  // Docs: https://electronjs.org/docs/api/session

  private constructor()
  /**
   * resolves when the session’s HTTP authentication cache has been cleared.
   *
   * @remarks electron-net-rs: server and proxy credentials.
   */
  clearAuthCache(): Promise<void>
  /**
   * resolves when the cache clear operation is complete.
   *
   * Clears the session’s HTTP cache.
   */
  clearCache(): Promise<void>
  /**
   * resolves when all data has been cleared.
   *
   * Clears various different types of data.
   *
   * This method clears more types of data and is more thorough than the
   * `clearStorageData` method.
   *
   * > [!NOTE] Cookies are stored at a broader scope than origins. When removing
   * cookies and filtering by `origins` (or `excludeOrigins`), the cookies will be
   * removed at the registrable domain level. For example, clearing cookies for the
   * origin `https://really.specific.origin.example.com/` will end up clearing all
   * cookies for `example.com`. Clearing cookies for the origin
   * `https://my.website.example.co.uk/` will end up clearing all cookies for
   * `example.co.uk`.
   *
   * For more information, refer to Chromium's `BrowsingDataRemover` interface.
   */
  clearData(options?: ClearDataOptions): Promise<void>
  /**
   * Resolves when the operation is complete.
   *
   * Clears the host resolver cache.
   *
   * @remarks electron-net-rs: the names this session's requests and `resolveHost` looked up.
   */
  clearHostResolverCache(): Promise<void>
  /**
   * resolves when the storage data has been cleared.
   */
  clearStorageData(options?: ClearStorageDataOptions): Promise<void>
  /**
   * Resolves when all connections are closed.
   *
   * > [!NOTE] It will terminate / fail all requests currently in flight.
   *
   * @remarks electron-net-rs: requests in flight fail with `net::ERR_ABORTED`.
   */
  closeAllConnections(): Promise<void>
  /**
   * see Response.
   *
   * Sends a request, similarly to how `fetch()` works in the renderer, using
   * Chromium's network stack. This differs from Node's `fetch()`, which uses
   * Node.js's HTTP stack.
   *
   * See also `net.fetch()`, a convenience method which issues requests from the
   * default session.
   *
   * See the MDN documentation for `fetch()` for more details.
   *
   * Limitations:
   *
   * * `net.fetch()` does not support the `data:` or `blob:` schemes.
   * * The value of the `integrity` option is ignored.
   * * The `.type` and `.url` values of the returned `Response` object are incorrect.
   *
   * By default, requests made with `net.fetch` can be made to custom protocols as
   * well as `file:`, and will trigger webRequest handlers if present. When the
   * non-standard `bypassCustomProtocolHandlers` option is set in RequestInit, custom
   * protocol handlers will not be called for this request. This allows forwarding an
   * intercepted request to the built-in handler. webRequest handlers will still be
   * triggered when bypassing custom protocols.
   *
   * @remarks electron-net-rs: through this session (its cookies, proxy, trust); resolves with
   * Node's global `Response` (`url` and `redirected` set); rejects with `net::ERR_*` errors,
   * the signal's reason, or Electron's redirect errors (`redirect: 'manual'` rejects, as in
   * Electron). `http:` and `https:` only.
   */
  fetch(input: string | globalThis.Request | URL, init?: FetchInit): Promise<Response>
  /**
   * Resolves when the all internal states of proxy service is reset and the latest
   * proxy configuration is reapplied if it's already available. The pac script will
   * be fetched from `pacScript` again if the proxy mode is `pac_script`.
   */
  forceReloadProxyConfig(): Promise<void>
  /**
   * the session's current cache size, in bytes.
   */
  getCacheSize(): Promise<number>
  /**
   * The user agent for this session.
   */
  getUserAgent(): string
  /**
   * Whether or not this session is a persistent one. The default `webContents`
   * session of a `BrowserWindow` is persistent. When creating a session from a
   * partition, session prefixed with `persist:` will be persistent, while others
   * will be temporary.
   *
   * @remarks electron-net-rs: true for the default session, `persist:` partitions and
   * `fromPath` sessions.
   */
  isPersistent(): boolean
  /**
   * Resolves with the resolved IP addresses for the `host`.
   *
   * @remarks electron-net-rs: as this session's requests resolve (sharing their host cache);
   * rejects with `net::ERR_NAME_NOT_RESOLVED`.
   */
  resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost>
  /**
   * Resolves with the proxy information for `url`.
   *
   * @remarks electron-net-rs: `DIRECT`, `PROXY host:port`, ... joined with `;`, as a PAC script
   * answers.
   */
  resolveProxy(url: string): Promise<string>
  /**
   * Sets the certificate verify proc for `session`, the `proc` will be called with
   * `proc(request, callback)` whenever a server certificate verification is
   * requested. Calling `callback(0)` accepts the certificate, calling `callback(-2)`
   * rejects it.
   *
   * Calling `setCertificateVerifyProc(null)` will revert back to default certificate
   * verify proc.
   *
   * > **NOTE:** The result of this procedure is cached by the network service.
   *
   * @remarks electron-net-rs: `-3` keeps the default verdict, another net error code fails
   * with it; verdicts are cached per host and certificate chain until the proc changes.
   */
  setCertificateVerifyProc(proc: ((request: CertificateVerifyProcRequest, callback: (verificationResult: number) => void) => void) | null): void
  /**
   * Resolves when the proxy setting process is complete.
   *
   * Sets the proxy settings.
   *
   * You may need `ses.closeAllConnections` to close currently in flight connections
   * to prevent pooled sockets using previous proxy from being reused by future
   * requests.
   *
   * @remarks electron-net-rs: requests started after the promise resolves use `config`.
   */
  setProxy(config: ProxyConfig): Promise<void>
  /**
   * Sets the SSL configuration for the session. All subsequent network requests will
   * use the new configuration. Existing network connections (such as WebSocket
   * connections) will not be terminated, but old sockets in the pool will not be
   * reused for new connections.
   */
  setSSLConfig(config: Config): void
  /**
   * Overrides the `userAgent` and `acceptLanguages` for this session.
   *
   * The `acceptLanguages` must be a comma separated ordered list of language codes,
   * for example `"en-US,fr,de,ko,zh-CN,ja"`.
   *
   * This doesn't affect existing `WebContents`, and each `WebContents` can use
   * `webContents.setUserAgent` to override the session-wide user agent.
   */
  setUserAgent(userAgent: string, acceptLanguages?: string): void
  /**
   * A `Cookies` object for this session.
   *
   */
  readonly cookies: Cookies
  /**
   * A `string | null` indicating the absolute file system path where data for this
   * session is persisted on disk.  For in memory sessions this returns `null`.
   *
   * @remarks electron-net-rs: where the session keeps its `Cookies` file and HTTP cache.
   */
  readonly storagePath: string | null
}

export interface FromPartitionOptions {
  /**
   * Whether to enable cache. Default is `true` unless the `--disable-http-cache`
   * switch is used.
   *
   * @remarks electron-net-rs: optional (Electron's types require it); the HTTP cache is on
   * disk for a persistent session, in memory otherwise.
   */
  cache?: boolean
}

export interface FromPathOptions {
  /**
   * Whether to enable cache. Default is `true` unless the `--disable-http-cache`
   * switch is used.
   *
   * @remarks electron-net-rs: optional (Electron's types require it).
   */
  cache?: boolean
}

export interface Net {
  // Docs: https://electronjs.org/docs/api/net

  /**
   * see Response.
   *
   * Sends a request, similarly to how `fetch()` works in the renderer, using
   * Chromium's network stack. This differs from Node's `fetch()`, which uses
   * Node.js's HTTP stack.
   *
   * This method will issue requests from the default session. To send a `fetch`
   * request from another session, use ses.fetch().
   *
   * See the MDN documentation for `fetch()` for more details.
   *
   * Limitations:
   *
   * * `net.fetch()` does not support the `data:` or `blob:` schemes.
   * * The value of the `integrity` option is ignored.
   * * The `.type` and `.url` values of the returned `Response` object are incorrect.
   *
   * By default, requests made with `net.fetch` can be made to custom protocols as
   * well as `file:`, and will trigger webRequest handlers if present. When the
   * non-standard `bypassCustomProtocolHandlers` option is set in RequestInit, custom
   * protocol handlers will not be called for this request. This allows forwarding an
   * intercepted request to the built-in handler. webRequest handlers will still be
   * triggered when bypassing custom protocols.
   *
   * @remarks electron-net-rs: `session.defaultSession.fetch(input, init)`.
   */
  fetch(input: string | globalThis.Request | URL, init?: FetchInit): Promise<Response>
  /**
   * Whether there is currently internet connection.
   *
   * A return value of `false` is a pretty strong indicator that the user won't be
   * able to connect to remote sites. However, a return value of `true` is
   * inconclusive; even if some link is up, it is uncertain whether a particular
   * connection attempt to a particular remote site will be successful.
   *
   * @remarks electron-net-rs: false when no network interface but loopback is up with an
   * address.
   */
  isOnline(): boolean
  /**
   * Creates a `ClientRequest` instance using the provided `options` which are
   * directly forwarded to the `ClientRequest` constructor. The `net.request` method
   * would be used to issue both secure and insecure HTTP requests according to the
   * specified protocol scheme in the `options` object.
   *
   * @remarks electron-net-rs: `callback` is added as a `'response'` listener; Electron's code
   * accepts it too, though its types do not declare it.
   */
  request(options: ClientRequestConstructorOptions | string, callback?: (response: IncomingMessage) => void): ClientRequest
  /**
   * Resolves with the resolved IP addresses for the `host`.
   *
   * This method will resolve hosts from the default session. To resolve a host from
   * another session, use ses.resolveHost().
   */
  resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost>
  /**
   * A `boolean` property. Whether there is currently internet connection.
   *
   * A return value of `false` is a pretty strong indicator that the user won't be
   * able to connect to remote sites. However, a return value of `true` is
   * inconclusive; even if some link is up, it is uncertain whether a particular
   * connection attempt to a particular remote site will be successful.
   *
   */
  readonly online: boolean
}

/** The `session` module: Electron's `typeof Session` (its static members). */
export interface SessionModule {
  /**
   * A `Session` object, the default session object of the app, available after
   * `app.whenReady` is called.
   *
   * @remarks electron-net-rs: available at once.
   */
  readonly defaultSession: Session
  /**
   * A session instance from `partition` string. When there is an existing `Session`
   * with the same `partition`, it will be returned; otherwise a new `Session`
   * instance will be created with `options`.
   *
   * If `partition` starts with `persist:`, the page will use a persistent session
   * available to all pages in the app with the same `partition`. if there is no
   * `persist:` prefix, the page will use an in-memory session. If the `partition` is
   * empty then default session of the app will be returned.
   *
   * To create a `Session` with `options`, you have to ensure the `Session` with the
   * `partition` has never been used before. There is no way to change the `options`
   * of an existing `Session` object.
   */
  fromPartition(partition: string, options?: FromPartitionOptions): Session
  /**
   * A session instance from the absolute path as specified by the `path` string.
   * When there is an existing `Session` with the same absolute path, it will be
   * returned; otherwise a new `Session` instance will be created with `options`. The
   * call will throw an error if the path is not an absolute path. Additionally, an
   * error will be thrown if an empty string is provided.
   *
   * To create a `Session` with `options`, you have to ensure the `Session` with the
   * `path` has never been used before. There is no way to change the `options` of an
   * existing `Session` object.
   */
  fromPath(path: string, options?: FromPathOptions): Session
  /**
   * Where persistent sessions live (standing in for Electron's `app.getPath('userData')`);
   * call before the first session is created. `ELECTRON_NET_RS_USER_DATA` does the same.
   *
   * @remarks electron-net-rs extension.
   */
  setUserDataPath(path: string): void
}

// Types from Electron's electron.d.ts (MIT), with its doc comments.
export declare class CommandLine {
  /**
   * Append an argument to Chromium's command line. The argument will be quoted
   * correctly. Switches will precede arguments regardless of appending order.
   *
   * @remarks electron-net-rs: kept, with no effect.
   */
  appendArgument(value: string): void
  /**
   * Append a switch (with optional `value`) to Chromium's command line.
   *
   * @remarks electron-net-rs: only `host-resolver-rules` has an effect, on every session of
   * this thread from their next connection on (Electron reads it once at startup).
   */
  appendSwitch(the_switch: string, value?: string): void
  /**
   * The command-line switch value.
   *
   * When the switch is not present or has no value, it returns empty string.
   */
  getSwitchValue(the_switch: string): string
  /**
   * Whether the command-line switch is present.
   */
  hasSwitch(the_switch: string): boolean
  /**
   * Removes the specified switch from Chromium's command line.
   */
  removeSwitch(the_switch: string): void
}

/**
 * Electron's `app`, with only what the network stack reads.
 *
 * @remarks electron-net-rs: only `commandLine` exists.
 */
export interface App {
  /**
   * A `CommandLine` object that allows you to read and manipulate the command line
   * arguments that Chromium uses. It starts with the process's own `--switch=value` arguments.
   */
  readonly commandLine: CommandLine
}

export const app: App
export const net: Net
export const session: SessionModule
/** Requests started and not yet finished (diagnostics). @remarks electron-net-rs extension. */
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
