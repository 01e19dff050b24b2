import { AppError } from '../../../shared/contract/errors'
import type { PlanStep, PrivilegedPlan } from '../../../shared/contract/terminal'
import type { RepoList } from '../../../shared/contract/repos'
import type { RootFs } from '../system/rootfs'
import type { Elevation } from '../terminal/elevate'
import { assertAllowedPackage, assertRepoId } from '../terminal/validate'
import { COW_PACKAGES, REFLINK_CONF } from '../inspect/checks/rpm-cow-stack'
import { toggleArgs, type Dnf } from './dnf'
import { pluginEnabled } from './reflink-conf'
import { ROOT_HELPER } from '../terminal/root-helper-path'
import { installedSet } from './rpmdb'
import { planDigest } from './plan-digest'

/**
 * "Enable RPM copy-on-write": the experimental repository (where the CoW packages live), the
 * two packages, then enabled=1 in the dnf plugin's reflink.conf through the root helper's
 * fixed `enable-dnf-reflink` action (no content crosses from the user's side).
 */

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
    steps.push({
      argv: dnf.argv('install', '-y', assertAllowedPackage('centos-release-hyperscale-experimental')),
      why: 'the CoW packages come from the Hyperscale experimental repository'
    })
  } else if (!exp.enabled) {
    steps.push({ argv: dnf.argv(...toggleArgs(major, assertRepoId(exp.id), true)), why: `enable ${exp.id}: the CoW packages come from it` })
  }
  const missing = COW_PACKAGES.filter((p) => !installed.has(p))
  if (missing.length)
    steps.push({
      argv: dnf.argv('install', '-y', ...missing.map(assertAllowedPackage)),
      why: 'rpm-plugin-reflink clones files into place; python3-dnf-plugin-cow makes dnf download for it'
    })
  const current = await fs.tryReadText(REFLINK_CONF)
  if (!pluginEnabled(current)) {
    // The root helper reads the file itself (after the packages above installed it) and sets
    // enabled=1 in [main]: root never copies a file from a folder the user controls.
    const rootArgs = fs.root === '/' ? [] : ['--root', fs.root]
    steps.push({ argv: [ROOT_HELPER, 'enable-dnf-reflink', ...rootArgs], why: `switch the plugin on: enabled=1 in ${REFLINK_CONF} (it ships off)` })
    if (current === undefined) notes.push(`${REFLINK_CONF} does not exist yet; it is written as [main] enabled=1, replacing the packaged file.`)
  }
  if (steps.length === 0)
    throw new AppError('NothingToDo', 'RPM copy-on-write is already set up: the packages are installed and the plugin is enabled', { stage: 'plan' })
  if (major === 5)
    notes.push('This system runs dnf5, which does not load dnf4 plugins: the packages install, but only transactions run with dnf-3 (dnf4) use copy-on-write.')
  notes.push(
    'Copy-on-write also needs /var/cache/dnf and / on one reflink-capable filesystem (btrfs, or XFS with reflink=1); the Overview shows whether they are.'
  )
  return { title: 'Enable RPM copy-on-write', steps, elevation, interactive: false, notes, digest: planDigest(steps) }
}
