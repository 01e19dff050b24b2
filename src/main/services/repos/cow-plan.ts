import { createHash } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { PlanStep, PrivilegedPlan } from '../../../shared/contract/terminal'
import type { RepoList } from '../../../shared/contract/repos'
import type { RootFs } from '../system/rootfs'
import type { Elevation } from '../terminal/elevate'
import { assertAllowedPackage, assertRepoId } from '../terminal/validate'
import { COW_PACKAGES, REFLINK_CONF } from '../inspect/checks/rpm-cow-stack'
import { toggleArgs, type Dnf } from './dnf'
import { parseBool, parseIni } from './ini'
import { installedSet } from './rpmdb'

/**
 * "Enable RPM copy-on-write": the experimental repository (where the CoW packages live), the
 * two packages, then enabled=1 in the dnf plugin's reflink.conf. The new file is staged in a
 * private directory and copied into place by `install` in the privileged runner, as the oomd
 * drop-ins are; its name is its content hash, so the plan shown and the plan run are the same.
 */

/** The file with enabled=1 in [main], everything else kept. */
export function withPluginEnabled(text: string | undefined): string {
  if (!text || !/^\s*\[main\]\s*$/m.test(text)) return `[main]\nenabled=1\n${text ? `\n${text}` : ''}`
  const lines = text.split('\n')
  let inMain = false
  let done = false
  const out: string[] = []
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (header) {
      if (inMain && !done) {
        out.push('enabled=1')
        done = true
      }
      inMain = header[1] === 'main'
      out.push(line)
      continue
    }
    if (inMain && /^\s*enabled\s*=/.test(line)) {
      if (!done) out.push('enabled=1')
      done = true
      continue
    }
    out.push(line)
  }
  if (!done) {
    const at = out.findIndex((l) => /^\s*\[main\]\s*$/.test(l))
    out.splice(at + 1, 0, 'enabled=1')
  }
  return out.join('\n')
}

export function pluginEnabled(text: string | undefined): boolean {
  if (!text) return false
  const ini = parseIni(text)
  const raw = ini.error ? undefined : ini.sections.find((s) => s.name === 'main')?.values.get('enabled')?.value
  return raw !== undefined && parseBool(raw) === true
}

let stageDir: Promise<string> | undefined
async function stage(content: string): Promise<string> {
  stageDir ??= mkdtemp(path.join(os.tmpdir(), 'hsc-stage-'))
  const file = path.join(await stageDir, `reflink.conf.${createHash('sha256').update(content).digest('hex').slice(0, 16)}`)
  await writeFile(file, content, { mode: 0o644 })
  return file
}

export interface CowPlanDeps {
  dnf: Dnf
  fs: RootFs
  elevation: Elevation
  list: RepoList
  major: 4 | 5
}

export async function enableRpmCowPlan({ dnf, fs, elevation, list, major }: CowPlanDeps): Promise<PrivilegedPlan> {
  const steps: PlanStep[] = []
  const notes: string[] = []
  const exp = list.repos.find((r) => r.hyperscale?.variant === 'experimental' && r.hyperscale.kind === 'binary' && !r.hyperscale.testing)
  const installed = await installedSet(dnf, [...COW_PACKAGES, 'centos-release-hyperscale-experimental'])
  if (!exp) {
    steps.push({ argv: dnf.argv('install', '-y', assertAllowedPackage('centos-release-hyperscale-experimental')), why: 'the CoW packages come from the Hyperscale experimental repository' })
  } else if (!exp.enabled) {
    steps.push({ argv: dnf.argv(...toggleArgs(major, assertRepoId(exp.id), true)), why: `enable ${exp.id}: the CoW packages come from it` })
  }
  const missing = COW_PACKAGES.filter((p) => !installed.has(p))
  if (missing.length) steps.push({ argv: dnf.argv('install', '-y', ...missing.map(assertAllowedPackage)), why: 'rpm-plugin-reflink clones files into place; python3-dnf-plugin-cow makes dnf download for it' })
  const current = await fs.tryReadText(REFLINK_CONF)
  if (!pluginEnabled(current)) {
    const staged = await stage(withPluginEnabled(current))
    const target = path.join(fs.root, REFLINK_CONF)
    steps.push({ argv: ['install', '-D', '-m', '0644', '--', staged, target], why: `switch the plugin on: enabled=1 in ${REFLINK_CONF} (it ships off)` })
    if (current === undefined) notes.push(`${REFLINK_CONF} does not exist yet; it is written as [main] enabled=1, replacing the packaged file.`)
  }
  if (steps.length === 0) throw new AppError('NothingToDo', 'RPM copy-on-write is already set up: the packages are installed and the plugin is enabled', { stage: 'plan' })
  if (major === 5) notes.push('This system runs dnf5, which does not load dnf4 plugins: the packages install, but only transactions run with dnf-3 (dnf4) use copy-on-write.')
  notes.push('Copy-on-write also needs /var/cache/dnf and / on one reflink-capable filesystem (btrfs, or XFS with reflink=1); the Overview shows whether they are.')
  return { title: 'Enable RPM copy-on-write', steps, elevation, interactive: false, notes }
}
