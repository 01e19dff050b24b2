import type { CommandRunner } from '../command'
import type { AnswerCache } from './answer-cache'
import type { ReadResult, RootFs } from '../rootfs'
import { parseMountinfo, type MountEntry } from '../../inspect/parsers/mountinfo'
import { parseOsRelease } from '../../inspect/parsers/os-release'
import { parseMeminfo } from '../../inspect/parsers/procfs'
import { parseKernelRelease, type KernelReleaseInfo } from '../../inspect/parsers/kernel-release'
import { readCmdline, type CmdlineFact } from './cmdline'
import { findKernelConfig, type KernelConfigFact } from './kernel-config'
import { detectCgroup, type CgroupFact } from './cgroup'
import { detectPsi, type PsiFact } from './psi'
import { systemdVersion, type SystemdVersionFact } from './systemd'
import { isPlainText, preview } from './text'

export type { CmdlineFact } from './cmdline'
export type { KernelConfigFact } from './kernel-config'
export type { CgroupFact, CgroupMode } from './cgroup'
export type { PsiFact, PsiState } from './psi'
export type { SystemdVersionFact } from './systemd'

export interface SystemFactsDeps {
  fs: RootFs
  /** Starts programs on the live root (version queries); without it no program runs. */
  run?: CommandRunner
  /** Program answers kept between processes (version queries, the rpm inventory). */
  answers?: AnswerCache
}

export interface Sourced<T> {
  source: string
  text: string
  value: T
}

/** A release as uname(2) gives it: at most 64 characters, a version first, no spaces or control characters. */
const RELEASE = /^\d+\.\d+[0-9A-Za-z._+~-]*$/

/**
 * The system facts the inspector and systemd-oomd both need, each computed by one function
 * and read at most once per instance (lazy, memoised promises), so the two never disagree.
 */
export class SystemFacts {
  readonly fs: RootFs
  readonly run?: CommandRunner
  readonly answers?: AnswerCache
  private readonly memo = new Map<string, Promise<unknown>>()

  constructor(deps: SystemFactsDeps) {
    this.fs = deps.fs
    this.run = deps.run
    this.answers = deps.answers
  }

  get live(): boolean {
    return this.fs.isLive
  }

  /** Memoises any derived fact under `key` for the lifetime of this instance (one report). */
  memoised<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.once(`derived:${key}`, load)
  }

  protected once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined
    if (!p) {
      p = load()
      this.memo.set(key, p)
    }
    return p
  }

  /** A regular file under the root, read once; the failure carries its reason. */
  read(systemPath: string): Promise<ReadResult> {
    return this.once(`read:${systemPath}`, () => this.fs.read(systemPath))
  }

  /** Text of a system file under the root, read once per instance; undefined when it cannot be read. */
  async text(systemPath: string): Promise<string | undefined> {
    const r = await this.read(systemPath)
    return r.ok ? r.data.toString() : undefined
  }

  /** /proc/meminfo parsed (values in KiB), once per instance; undefined when it cannot be read. */
  meminfo(): Promise<Record<string, number> | undefined> {
    return this.once('meminfo', async () => {
      const text = await this.text('/proc/meminfo')
      return text === undefined ? undefined : parseMeminfo(text)
    })
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

  /** /proc/sys/kernel/osrelease (present under a fixture root too), else uname on the live root; `reason` when neither gives a release. */
  kernelReleaseFact(): Promise<{ release?: Sourced<KernelReleaseInfo>; reason?: string }> {
    return this.once('release', async () => {
      const source = '/proc/sys/kernel/osrelease'
      const r = await this.read(source)
      let reason: string
      if (r.ok) {
        const text = r.data.toString().trim()
        if (isPlainText(r.data) && text.length <= 64 && RELEASE.test(text)) return { release: { source, text, value: parseKernelRelease(text) } }
        reason = `${source} is unparseable (not a kernel release: ${preview(r.data, 40) || 'empty'})`
      } else reason = r.reason
      if (this.live) {
        const rel = (await import('node:os')).release()
        return { release: { source: 'uname(2)', text: rel, value: parseKernelRelease(rel) } }
      }
      return { reason }
    })
  }

  async kernelRelease(): Promise<Sourced<KernelReleaseInfo> | undefined> {
    return (await this.kernelReleaseFact()).release
  }

  cmdlineFact(): Promise<CmdlineFact> {
    return this.once('cmdline', () => readCmdline(this.fs))
  }

  /** The parsed command line, or undefined when it is missing, unreadable or unparseable. */
  async cmdline(): Promise<Sourced<{ kernel: CmdlineFact['kernel']; init: string[] }> | undefined> {
    const c = await this.cmdlineFact()
    return c.state === 'ok' ? { source: c.source, text: c.text as string, value: { kernel: c.kernel, init: c.init } } : undefined
  }

  kernelConfig(): Promise<KernelConfigFact> {
    return this.once('kconfig', async () => findKernelConfig(this.fs, (await this.kernelRelease())?.value.release, this.answers))
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

  cgroup(): Promise<CgroupFact> {
    return this.once('cgroup', async () => detectCgroup(this.fs, await this.mounts()))
  }

  psi(): Promise<PsiFact> {
    return this.once('psi', async () => {
      const [kc, cmd] = await Promise.all([this.kernelConfig(), this.cmdlineFact()])
      return detectPsi(this.fs, kc, cmd)
    })
  }

  systemd(): Promise<SystemdVersionFact> {
    return this.once('systemd', () => systemdVersion(this))
  }
}
