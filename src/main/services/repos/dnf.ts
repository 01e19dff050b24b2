import path from 'node:path'
import type { DnfInfo } from '../../../shared/contract/repos'
import type { CommandResult, CommandRunner } from '../system/command'
import type { RootFs } from '../system/rootfs'
import { dnf4VersionFromFiles } from '../system/facts/dnf-version'
import { assertAbsolutePath, assertReleasever } from '../terminal/validate'

export interface DnfTarget {
  /** Absolute host path of an installroot; unset = the live system. */
  installroot?: string
  /** Needed with an installroot (nothing there tells dnf which release it is). */
  releasever?: string
}

const QUERY_TIMEOUT_MS = 180_000

/**
 * Builds dnf and rpm argv aimed at the live system or an installroot, and runs the
 * unprivileged queries. With an installroot, reposdir is given explicitly: dnf would
 * otherwise fall back to the host's /etc/yum.repos.d when the root has none.
 */
export class Dnf {
  private infoPromise?: Promise<DnfInfo>
  private hasDb = false
  private dbpathMacro?: Promise<string>

  constructor(
    private readonly run: CommandRunner,
    readonly target: DnfTarget,
    /** Whether a host path exists (for /usr/bin/dnf5 when `dnf --version` is inconclusive). */
    private readonly hostExists: (p: string) => boolean | Promise<boolean>,
    /** The host's files, to tell dnf4's version without starting Python (about a second). */
    private readonly host?: Pick<RootFs, 'tryReadText' | 'list'>
  ) {
    if (target.installroot) assertAbsolutePath(target.installroot, 'installroot')
    if (target.releasever) assertReleasever(target.releasever)
  }

  get reposDir(): string {
    return '/etc/yum.repos.d'
  }

  targetArgs(): string[] {
    const ir = this.target.installroot
    if (!ir) return this.target.releasever ? [`--releasever=${this.target.releasever}`] : []
    const args = [`--installroot=${ir}`]
    if (this.target.releasever) args.push(`--releasever=${this.target.releasever}`)
    args.push(`--setopt=reposdir=${ir === '/' ? '' : ir}${this.reposDir}`)
    return args
  }

  argv(...args: string[]): string[] {
    return ['dnf', ...this.targetArgs(), ...args]
  }

  rpmArgv(...args: string[]): string[] {
    const ir = this.target.installroot
    return ['rpm', ...(ir && ir !== '/' ? ['--root', ir] : []), ...args]
  }

  query(args: string[]): Promise<CommandResult> {
    return this.run(this.argv(...args), { timeoutMs: QUERY_TIMEOUT_MS, env: { LC_ALL: 'C.UTF-8' } })
  }

  async rpm(args: string[]): Promise<CommandResult> {
    if (!(await this.hasRpmDb())) return { code: 1, stdout: '', stderr: 'the root has no rpm database' }
    return this.run(this.rpmArgv(...args), { timeoutMs: 60_000, env: { LC_ALL: 'C.UTF-8' } })
  }

  /**
   * A query with --root creates an empty database in a root that has none (a fixture tree
   * given to --root), so roots without one are not asked. Only "yes" is remembered: a fresh
   * installroot gets its database from the first dnf transaction.
   */
  async hasRpmDb(): Promise<boolean> {
    const ir = this.target.installroot
    if (!ir || ir === '/' || this.hasDb) return true
    // The usual places first; rpm (with the sh and bash Debian's rpm starts) only for a custom %_dbpath.
    for (const p of ['/var/lib/rpm', '/usr/lib/sysimage/rpm']) if (await this.hostExists(path.join(ir, p))) return (this.hasDb = true)
    this.dbpathMacro ??= this.run(['rpm', '--eval', '%{_dbpath}'], { timeoutMs: 15_000 }).then((r) => r.stdout.trim())
    const macro = await this.dbpathMacro
    if (macro.startsWith('/') && (await this.hostExists(path.join(ir, macro)))) return (this.hasDb = true)
    return false
  }

  info(): Promise<DnfInfo> {
    this.infoPromise ??= this.detect()
    return this.infoPromise
  }

  /** dnf4's version from its own files (see dnf4VersionFromFiles); dnf5 and the rest ask dnf. */
  private async detectFromFiles(): Promise<DnfInfo | undefined> {
    const found = this.host && (await dnf4VersionFromFiles(this.host))
    return found ? { major: 4, version: found.version, targetArgs: this.targetArgs() } : undefined
  }

  private async detect(): Promise<DnfInfo> {
    const fromFiles = await this.detectFromFiles()
    if (fromFiles) return fromFiles
    const res = await this.run(['dnf', '--version'], { timeoutMs: 60_000, env: { LC_ALL: 'C.UTF-8' } })
    const first = res.stdout.split('\n')[0]?.trim() ?? ''
    let major: DnfInfo['major'] = null
    let version = ''
    // dnf5 prints "dnf5 version 5.2.8.1"; dnf4 prints the bare version "4.14.0".
    const five = /^dnf5 version (\S+)/.exec(first)
    if (five) {
      major = 5
      version = five[1]
    } else if (/^4\.\d/.test(first)) {
      major = 4
      version = first
    } else if (!res.spawnError && (await this.hostExists('/usr/bin/dnf5'))) {
      major = 5
    } else if (!res.spawnError) {
      major = 4
    }
    return { major, version, targetArgs: this.targetArgs() }
  }
}

/** dnf4 `config-manager --set-enabled ID`; dnf5 writes an override with `setopt ID.enabled=1`. */
export function toggleArgs(major: 4 | 5, id: string, enabled: boolean): string[] {
  if (major === 5) return ['config-manager', 'setopt', '--create-missing-dir', `${id}.enabled=${enabled ? 1 : 0}`]
  return ['config-manager', enabled ? '--set-enabled' : '--set-disabled', id]
}
