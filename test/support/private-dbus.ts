import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface PrivateBus {
  /** A D-Bus address for dbus-next (`sessionBus({ busAddress })`) or DBUS_SYSTEM_BUS_ADDRESS. */
  address: string
  dir: string
  stop(): Promise<void>
}

export const hasDbusDaemon = existsSync('/usr/bin/dbus-daemon') || existsSync('/bin/dbus-daemon')

/**
 * Starts a dbus-daemon of our own (not the system bus) with a generated config in a tmp
 * dir: one unix socket, EXTERNAL auth, everything allowed, so tests can own well-known
 * names such as org.freedesktop.systemd1 without touching the machine's buses.
 */
export async function startPrivateDbus(): Promise<PrivateBus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hsc-dbus-'))
  const socket = path.join(dir, 'bus')
  const config = path.join(dir, 'bus.conf')
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`
  )
  const child: ChildProcess = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start within 10 s: ${err}`)), 10_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, nl).trim())
      }
    })
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`dbus-daemon exited with ${code}: ${err}`))
    })
  })
  return {
    address,
    dir,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        }
        if (child.exitCode !== null) return done()
        child.once('exit', done)
        child.kill('SIGTERM')
      })
  }
}
