import { runCommand } from '../../../src/main/services/system/command'

/**
 * The real dnf, asked directly (not through the service) for what it makes of a repos dir.
 * Debian's dnf-plugins-core enables its "local" and "versionlock" plugins, which need
 * setup that a CentOS host does not have; they are turned off for these reference calls.
 */
export function dnfArgs(installroot: string, releasever = '9'): string[] {
  return [
    'dnf',
    `--installroot=${installroot}`,
    `--releasever=${releasever}`,
    `--setopt=reposdir=${installroot}/etc/yum.repos.d`,
    '--disableplugin=local,versionlock'
  ]
}

export const haveDnf = (await runCommand(['dnf', '--version'])).code === 0
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** `dnf repolist --all`: repo id -> enabled. */
export async function realRepolist(installroot: string, releasever = '9'): Promise<Map<string, boolean>> {
  const res = await runCommand([...dnfArgs(installroot, releasever), 'repolist', '--all'], { env: { LC_ALL: 'C.UTF-8' } })
  if (res.code !== 0) throw new Error(`dnf repolist failed: ${res.stderr}`)
  const out = new Map<string, boolean>()
  for (const line of res.stdout.split('\n')) {
    const m = /^(\S+)\s.*\s(enabled|disabled)\s*$/.exec(line)
    if (m && m[1] !== 'repo') out.set(m[1], m[2] === 'enabled')
  }
  return out
}

/** `dnf config-manager --dump ID...`: libdnf's effective, variable-substituted options per repo. */
export async function realDump(installroot: string, ids: string[], releasever = '9'): Promise<Map<string, Record<string, string>>> {
  const res = await runCommand([...dnfArgs(installroot, releasever), 'config-manager', '--dump', ...ids], { env: { LC_ALL: 'C.UTF-8' } })
  if (res.code !== 0) throw new Error(`dnf config-manager --dump failed: ${res.stderr}`)
  const out = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const line of res.stdout.split('\n')) {
    const head = /^=+ repo: (\S+) =+$/.exec(line)
    if (head) {
      current = {}
      out.set(head[1], current)
      continue
    }
    const kv = /^(\S+) = ?(.*)$/.exec(line)
    if (kv && current) current[kv[1]] = kv[2]
  }
  return out
}
