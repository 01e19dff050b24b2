/**
 * A real HTTP proxy for tests: Debian's tinyproxy as a child process (foreground, -d) with a
 * generated config on a free 127.0.0.1 port. It forwards plain http requests and opens CONNECT
 * tunnels; optional Basic authentication makes it answer 407 without credentials.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './nginx'

export function tinyproxyUnavailable(): string | null {
  const r = spawnSync('tinyproxy', ['-v'], { encoding: 'utf8' })
  return r.error ? 'tinyproxy is not installed (apt-get install tinyproxy)' : null
}

export interface Tinyproxy {
  url: string
  port: number
  log(): Promise<string>
  stop(): Promise<void>
}

export async function startTinyproxy(opts: { basicAuth?: { user: string; password: string } } = {}): Promise<Tinyproxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hsc-tinyproxy-'))
  const port = await freePort()
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    `LogFile "${path.join(dir, 'tinyproxy.log')}"`,
    'LogLevel Connect',
    'MaxClients 32',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    // As root tinyproxy would drop to nobody, who cannot write the log in this private dir.
    ...(asRoot ? ['User root', 'Group root'] : []),
    ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : [])
  ].join('\n')
  await writeFile(path.join(dir, 'tinyproxy.conf'), conf + '\n')
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', path.join(dir, 'tinyproxy.conf')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout?.resume()
  const deadline = Date.now() + 10_000
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (up) break
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill()
      throw new Error(`tinyproxy did not start: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => readFile(path.join(dir, 'tinyproxy.log'), 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    }
  }
}
