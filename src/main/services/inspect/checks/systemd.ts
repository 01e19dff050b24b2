import type { Check, Evidence } from '../../../../shared/contract'
import { parseLibsystemdShared, parseSystemctlVersion } from '../parsers/versions'
import { excerpt, type Facts } from '../facts'
import { runTool } from '../tools'

/** systemd-oomd first shipped in systemd 247. */
export const OOMD_MIN_SYSTEMD = 247

/** systemd's private library: its file name carries the version, no process needed (and it works under a fixture root). */
async function fromLibrary(facts: Facts): Promise<{ source: string; major: number; full: string } | undefined> {
  for (const dir of ['/usr/lib/systemd', '/usr/lib64/systemd', '/lib/systemd', '/usr/lib/x86_64-linux-gnu/systemd', '/usr/lib/aarch64-linux-gnu/systemd']) {
    for (const name of await facts.fs.list(dir)) {
      const v = parseLibsystemdShared(name)
      if (v) return { source: `${dir}/${name}`, ...v }
    }
  }
  return undefined
}

export async function systemdChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'systemd.version', group: 'system', title: 'systemd' } as const
  const evidence: Evidence[] = []
  let version: { major: number; full: string } | undefined
  let via = ''
  const tool = await runTool(facts, 'systemctl', ['--version'])
  if (tool.result) {
    version = parseSystemctlVersion(tool.result.stdout)
    evidence.push({ source: `${tool.path} --version`, excerpt: excerpt(tool.result.stdout || tool.result.stderr || tool.result.spawnError || '', 2) })
    via = 'systemctl --version'
  }
  if (!version) {
    const lib = await fromLibrary(facts)
    if (lib) {
      version = lib
      evidence.push({ source: lib.source, excerpt: 'library name' })
      via = lib.source
    }
  }
  if (!version) {
    return [{ ...base, status: 'unknown', value: 'systemd not found', evidence: evidence.length ? evidence : [{ source: 'systemctl, libsystemd-shared-*.so', excerpt: 'not found' }], details: { major: null, full: null } }]
  }
  const details = { major: version.major, full: version.full, via }
  if (version.major < OOMD_MIN_SYSTEMD) {
    return [
      {
        ...base,
        status: 'warn',
        value: `systemd ${version.full}: older than ${OOMD_MIN_SYSTEMD}, no systemd-oomd`,
        evidence,
        details,
        remedy: { text: `systemd-oomd needs systemd ${OOMD_MIN_SYSTEMD} or newer. The Hyperscale SIG ships a newer systemd for CentOS Stream (enable the centos-hyperscale repository and update systemd).` }
      }
    ]
  }
  return [{ ...base, status: 'ok', value: `systemd ${version.major}${version.full !== String(version.major) ? ` (${version.full})` : ''}`, evidence, details }]
}
