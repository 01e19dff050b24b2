import type { Evidence } from '../../../../shared/contract'
import { parseLibsystemdShared, parseSystemctlVersion } from '../../inspect/parsers/versions'
import { runTool, type ToolHost } from './tools'

export interface SystemdVersionFact {
  major?: number
  full?: string
  /** "systemctl --version" or the library file the version came from. */
  via?: string
  evidence: Evidence[]
}

const LIB_DIRS = ['/usr/lib/systemd', '/usr/lib64/systemd', '/lib/systemd', '/usr/lib/x86_64-linux-gnu/systemd', '/usr/lib/aarch64-linux-gnu/systemd']

const firstLines = (s: string, n: number): string => s.trim().split('\n').slice(0, n).join('\n')

/** systemd's version: `systemctl --version` on the live root, else its private library's file name (works under a fixture root). */
export async function systemdVersion(host: ToolHost): Promise<SystemdVersionFact> {
  const evidence: Evidence[] = []
  const tool = await runTool(host, 'systemctl', ['--version'])
  if (tool.result) {
    const v = parseSystemctlVersion(tool.result.stdout)
    evidence.push({ source: `${tool.path} --version`, excerpt: firstLines(tool.result.stdout || tool.result.stderr || tool.result.spawnError || '', 2) })
    if (v) return { ...v, via: 'systemctl --version', evidence }
  }
  for (const dir of LIB_DIRS) {
    for (const name of await host.fs.list(dir)) {
      const v = parseLibsystemdShared(name)
      if (v) return { ...v, via: `${dir}/${name}`, evidence: [...evidence, { source: `${dir}/${name}`, excerpt: 'library name' }] }
    }
  }
  return { evidence }
}

/**
 * What a systemd release does on cgroup v1 (legacy or hybrid): v256 refuses to boot on it
 * unless SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 is set (NEWS for 256/257), v258 removed the
 * support (systemd PR #36764; the docs call v1 "historical and unsupported", PR #36675).
 */
export type CgroupV1Support = 'supported' | 'forced-only' | 'removed' | 'unknown'

export function cgroupV1Support(major: number | undefined): CgroupV1Support {
  if (major === undefined) return 'unknown'
  if (major >= 258) return 'removed'
  if (major >= 256) return 'forced-only'
  return 'supported'
}
