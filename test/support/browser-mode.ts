import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { HSC, PROJECT_ROOT } from './paths'

export interface BrowserMode {
  url: string
  origin: string
  token: string
  child: ChildProcess
  stop(): Promise<void>
}

export const rendererBuilt = existsSync(path.join(PROJECT_ROOT, 'out/renderer/index.html')) && existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.mjs'))

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
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)
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
    token: u.searchParams.get('token')!,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
  }
}
