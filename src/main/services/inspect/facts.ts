import os from 'node:os'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import type { CommandRunner } from '../system/command'
import type { RootFs } from '../system/rootfs'
import { parseKernelConfig, type KernelConfig } from './parsers/kernel-config'
import { parseCmdline, type KernelArg } from './parsers/cmdline'
import { parseMountinfo, type MountEntry } from './parsers/mountinfo'
import { parseOsRelease } from './parsers/os-release'
import { parseKernelRelease, type KernelReleaseInfo } from './parsers/kernel-release'
import type { HardwareProbe } from './hardware'

const gunzipAsync = promisify(gunzip)

export interface InspectDeps {
  fs: RootFs
  run: CommandRunner
  /** Hardware summary source; defaults to systeminformation (live root only). */
  hardware?: HardwareProbe
}

export interface Sourced<T> {
  source: string
  text: string
  value: T
}

export interface KernelConfigFact {
  /** The file that was used, or undefined when none was readable. */
  source?: string
  /** Every location tried, in order, with what happened. */
  tried: Array<{ path: string; result: string }>
  config?: KernelConfig
}

/**
 * Facts several checks need, each read at most once per report (lazy, memoised promises),
 * so checks stay independent yet the report touches every file only once.
 */
export class Facts {
  readonly fs: RootFs
  readonly run: CommandRunner
  readonly hardware?: HardwareProbe
  private readonly memo = new Map<string, Promise<unknown>>()

  constructor(deps: InspectDeps) {
    this.fs = deps.fs
    this.run = deps.run
    this.hardware = deps.hardware
  }

  get live(): boolean {
    return this.fs.isLive
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined
    if (!p) {
      p = load()
      this.memo.set(key, p)
    }
    return p
  }

  /** Text of a system file under the root, read once per report. */
  text(systemPath: string): Promise<string | undefined> {
    return this.once(`text:${systemPath}`, () => this.fs.tryReadText(systemPath))
  }

  osRelease(): Promise<Sourced<Record<string, string>> | undefined> {
    return this.once('os-release', async () => {
      for (const source of ['/etc/os-release', '/usr/lib/os-release']) {
        const text = await this.text(source)
        if (text !== undefined) return { source, text, value: parseOsRelease(text) }
      }
      return undefined
    })
  }

  /** The running kernel's release: /proc/sys/kernel/osrelease (present under a fixture root too), else uname on the live root. */
  kernelRelease(): Promise<Sourced<KernelReleaseInfo> | undefined> {
    return this.once('release', async () => {
      const text = await this.text('/proc/sys/kernel/osrelease')
      if (text !== undefined && text.trim()) return { source: '/proc/sys/kernel/osrelease', text: text.trim(), value: parseKernelRelease(text) }
      if (this.live) {
        const r = os.release()
        return { source: 'uname(2)', text: r, value: parseKernelRelease(r) }
      }
      return undefined
    })
  }

  cmdline(): Promise<Sourced<{ kernel: KernelArg[]; init: string[] }> | undefined> {
    return this.once('cmdline', async () => {
      const text = await this.text('/proc/cmdline')
      return text === undefined ? undefined : { source: '/proc/cmdline', text: text.trim(), value: parseCmdline(text) }
    })
  }

  /** Kernel config in the documented lookup order: /proc/config.gz, /boot/config-R, /lib/modules/R/config. */
  kernelConfig(): Promise<KernelConfigFact> {
    return this.once('kconfig', async () => {
      const tried: KernelConfigFact['tried'] = []
      const gz = '/proc/config.gz'
      try {
        const buf = await this.fs.readBuffer(gz)
        const text = (await gunzipAsync(buf)).toString('utf8')
        tried.push({ path: gz, result: 'used' })
        return { source: gz, tried, config: parseKernelConfig(text) }
      } catch (err) {
        tried.push({ path: gz, result: errText(err) })
      }
      const rel = (await this.kernelRelease())?.value.release
      if (!rel) {
        tried.push({ path: '/boot/config-R', result: 'kernel release unknown' })
        return { tried }
      }
      for (const p of [`/boot/config-${rel}`, `/lib/modules/${rel}/config`]) {
        const text = await this.fs.tryReadText(p)
        if (text !== undefined) {
          tried.push({ path: p, result: 'used' })
          return { source: p, tried, config: parseKernelConfig(text) }
        }
        tried.push({ path: p, result: 'missing or unreadable' })
      }
      return { tried }
    })
  }

  /** Mount table: /proc/self/mountinfo, or /proc/1/mountinfo in fixture trees that only carry that one. */
  mounts(): Promise<Sourced<MountEntry[]> | undefined> {
    return this.once('mountinfo', async () => {
      for (const source of ['/proc/self/mountinfo', '/proc/1/mountinfo']) {
        const text = await this.text(source)
        if (text !== undefined) return { source, text, value: parseMountinfo(text) }
      }
      return undefined
    })
  }
}

export function errText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT') return 'missing'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code) return code
  return err instanceof Error ? err.message : String(err)
}

/** Evidence excerpts stay short: whole files belong in the file, not in the report. */
export function excerpt(text: string, maxLines = 12, maxChars = 1500): string {
  const lines = text.trim().split('\n')
  let out = lines.slice(0, maxLines).join('\n')
  if (out.length > maxChars) out = out.slice(0, maxChars) + '…'
  if (lines.length > maxLines) out += `\n… (${lines.length - maxLines} more line${lines.length - maxLines === 1 ? '' : 's'})`
  return out
}
