import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import WebSocket from 'ws'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { HSC, PROJECT_ROOT } from './paths'

export interface BrowserMode {
  url: string
  origin: string
  token: string
  /** Everything the server printed so far (stdout + stderr). */
  output(): string
  child: ChildProcess
  stop(): Promise<void>
}

export const rendererBuilt = existsSync(path.join(PROJECT_ROOT, 'out/renderer/index.html')) && existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))

/** Starts the real `hsc gui --browser` (built CLI) and waits for the URL it prints. */
export async function startBrowserMode(env: Record<string, string> = {}): Promise<BrowserMode> {
  const child = spawn(process.execPath, [HSC, 'gui', '--browser', '--no-color'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start: ${out}${err}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.stderr!.on('data', (d: Buffer) => (err += d))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`browser mode exited with ${code}: ${out}${err}`))
    })
  })
  const u = new URL(url)
  return {
    url,
    origin: u.origin,
    token: u.hash.replace(/^#token=/, ''),
    output: () => out + err,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
  }
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A plain HTTP request with exactly the headers given (Host and Origin included), as an attacker's page or tool would send. */
export function rawRequest(origin: string, opts: { method?: string; path: string; headers?: Record<string, string> }): Promise<RawResponse> {
  const u = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(u.port), method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {}, setHost: !opts.headers?.Host },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

/** Exchanges the token for a session cookie the way the page does (POST /session from its own origin). */
export async function sessionCookie(bm: Pick<BrowserMode, 'origin' | 'token'>): Promise<string> {
  const r = await rawRequest(bm.origin, {
    method: 'POST',
    path: '/session',
    headers: { Host: new URL(bm.origin).host, Origin: bm.origin, Authorization: `Bearer ${bm.token}` }
  })
  const set = r.headers['set-cookie']?.[0]
  if (r.status !== 204 || !set) throw new Error(`token exchange failed: ${r.status} ${r.body}`)
  return set.split(';')[0]
}

/** Opens the contract WebSocket with the given headers; resolves to the open socket or "http NNN"/"error". */
export function tryWebSocket(origin: string, headers: Record<string, string>, path = '/api'): Promise<WebSocket | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}${path}`, { headers })
    ws.on('open', () => resolve(ws))
    ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`))
    ws.on('error', () => resolve('error'))
  })
}
