// Types of the adapters (axiosAdapter, gotRequest) and request(), checked against axios' own
// types: the adapter must fit axios' `adapter` option.
import axios, { AxiosError } from 'axios'
import { session, axiosAdapter, gotRequest, request, IncomingMessage } from '../..'
import type { AdapterRequestOptions, ResponseData, ResponseBody } from '../..'

const ses = session.fromPartition('types')
const defaults: AdapterRequestOptions = { session: ses, useSessionCookies: true, cache: 'no-store' }
const client = axios.create({ adapter: axiosAdapter({ ...defaults, axios }) })
const status: Promise<number> = client.get('https://example.com/').then((r) => r.status).catch((e: AxiosError) => e.status ?? 0)

const gotTransport = gotRequest({ partition: 'persist:types' })
const viaGot = gotTransport(new URL('https://example.com/'), { method: 'GET', headers: {} })
viaGot.end()
const nodeStyle = gotTransport({ protocol: 'https:', hostname: 'example.com', path: '/' }, (response: IncomingMessage) => response.resume())

async function undiciStyle (): Promise<string> {
  const { statusCode, headers, body }: ResponseData = await request('https://example.com/', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
    signal: AbortSignal.timeout(1000),
    session: ses
  })
  const reader: ResponseBody = body
  return `${statusCode} ${String(headers['content-type'])} ${reader.responseUrl} ${await reader.text()}`
}
// @ts-expect-error the URL comes from each call, not from the defaults
gotRequest({ url: 'https://example.com/' })

export { status, nodeStyle, undiciStyle }
