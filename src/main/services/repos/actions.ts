import { AppError } from '../../../shared/contract/errors'
import type { PlanStep, PrivilegedPlan } from '../../../shared/contract/terminal'
import { planDigest } from './plan-digest'
import type { FlavourOffer, HyperscaleFlavour, ReposAction, RepoList } from '../../../shared/contract/repos'
import type { RootFs } from '../system/rootfs'
import type { Elevation } from '../terminal/elevate'
import { assertAllowedPackage, assertKernelRelease, assertPackageName, assertRepoId } from '../terminal/validate'
import { toggleArgs, type Dnf } from './dnf'
import { enableRpmCowPlan } from './cow-plan'
import { releasePackagesFor } from './flavours'
import { installedKernels, kernelProviders } from './kernel'
import type { PrerequisiteState } from './prerequisites'
import { provenance } from './provenance'
import { installedSet } from './rpmdb'
import { dnfHistory } from './history'
import { streamInfo } from './prerequisites'
import { notStreamReason, STREAM_ONLY } from '../../../shared/contract/stream-guard'

export interface PlanDeps {
  dnf: Dnf
  fs: RootFs
  elevation: Elevation
  list: () => Promise<RepoList>
  prerequisites: () => Promise<PrerequisiteState>
  /** The flavours of this system's stream (resources/repos/flavours.json). */
  flavours: () => Promise<FlavourOffer>
  live: boolean
}

const SETUP_SHORTHANDS = ['experimental', 'kernel', 'spin'] as const

function plan(title: string, steps: PlanStep[], elevation: Elevation, opts: { interactive?: boolean; notes?: string[] } = {}): PrivilegedPlan {
  return { title, steps, elevation, interactive: opts.interactive ?? false, notes: opts.notes ?? [], digest: planDigest(steps) }
}

async function dnfMajor(dnf: Dnf): Promise<4 | 5> {
  const info = await dnf.info()
  if (info.major === null)
    throw new AppError('DnfMissing', 'dnf is not installed', { stage: 'detect dnf', hint: 'This needs a CentOS Stream system with dnf.' })
  return info.major
}

function nothingToDo(message: string): AppError {
  return new AppError('NothingToDo', message, { stage: 'plan' })
}

/**
 * Turns an action into the exact argv steps. Every value placed in an argv is either a
 * constant, an allowlisted package, a validated repo id that exists in a parsed .repo
 * file, or a name read back from rpm/dnf and checked to look like one.
 */
export async function buildPlan(action: ReposAction, deps: PlanDeps): Promise<PrivilegedPlan> {
  const { dnf, elevation } = deps
  // Every action runs dnf, so the guard the view shows is enforced here too, for every caller.
  const stream = await streamInfo(deps.fs)
  if (!stream.major) throw new AppError('UnsupportedSystem', notStreamReason(stream.pretty), { stage: 'plan', hint: STREAM_ONLY })
  switch (action.kind) {
    case 'toggle': {
      const id = assertRepoId(action.id)
      const list = await deps.list()
      const repo = list.repos.find((r) => r.id === id)
      if (!repo) {
        const malformed = list.problems.filter((p) => p.severity === 'error').map((p) => p.file)
        throw new AppError('UnknownRepo', `no repository "${id}" in ${list.reposDir}`, {
          stage: 'plan',
          hint: malformed.length
            ? `These files could not be read and were skipped: ${malformed.join(', ')}`
            : 'Refresh the list; the id must match a [section] of a .repo file.'
        })
      }
      const major = await dnfMajor(dnf)
      const notes = repo.enabled === action.enabled ? [`${id} is already ${action.enabled ? 'enabled' : 'disabled'}; running it again changes nothing.`] : []
      if (major === 5) notes.push('dnf5 writes the change to /etc/dnf/repos.override.d/99-config_manager.repo; the .repo file itself stays as packaged.')
      return plan(`${action.enabled ? 'Enable' : 'Disable'} ${id}`, [{ argv: dnf.argv(...toggleArgs(major, id, action.enabled)) }], elevation, { notes })
    }

    case 'setup': {
      const pre = await deps.prerequisites()
      const major = await dnfMajor(dnf)
      const flavours: HyperscaleFlavour[] = [...new Set([...SETUP_SHORTHANDS.filter((v) => action[v]), ...action.flavours])]
      const release = releasePackagesFor(await deps.flavours(), flavours, action.testing)
      const wanted = release.packages
      const installed = await installedSet(dnf, [...wanted, ...pre.packagesToInstall])
      const packages = [...pre.packagesToInstall, ...wanted].filter((p) => !installed.has(p)).map(assertAllowedPackage)
      const steps: PlanStep[] = pre.reposToEnable.map((id) => ({
        argv: dnf.argv(...toggleArgs(major, assertRepoId(id), true)),
        why: `enable ${id} (prerequisite)`
      }))
      if (packages.length)
        steps.push({ argv: dnf.argv('install', '-y', ...packages), why: 'install the Hyperscale release packages and missing prerequisites' })
      if (steps.length === 0) throw nothingToDo('the chosen Hyperscale release packages and all prerequisites are already installed')
      return plan('Set up the Hyperscale repositories', steps, elevation, { notes: release.notes })
    }

    case 'fix': {
      const pre = await deps.prerequisites()
      const steps = pre.fixes.get(action.prerequisite)
      if (!steps) {
        const p = pre.list.find((x) => x.id === action.prerequisite)
        throw new AppError('NotFixable', `"${p?.title ?? action.prerequisite}" ${p?.status === 'ok' ? 'is already satisfied' : 'has no automatic fix'}`, {
          stage: 'plan',
          hint: p?.hint
        })
      }
      return plan(`Fix: ${pre.list.find((x) => x.id === action.prerequisite)?.title ?? action.prerequisite}`, steps, elevation)
    }

    /*
     * Moving to the Hyperscale builds, and why it is this command:
     * - not `distro-sync --repo=<hyperscale>`: dnf would see only those repos, so
     *   dependencies from BaseOS/AppStream could not resolve, and with --allowerasing it
     *   would remove packages to make the transaction fit;
     * - not `upgrade --disablerepo=* --enablerepo=<hyperscale> --allowerasing`: same problem;
     * - not a bare `distro-sync`: it would also up/downgrade every unrelated package to
     *   whatever the other repos hold;
     * - so `distro-sync --allowerasing NAME...` with all enabled repos: only the installed
     *   stock packages that an enabled Hyperscale repo also ships are synchronized (their
     *   priority=50 makes dnf pick the Hyperscale build, even one with a lower version, which
     *   plain `upgrade` would skip), and dependencies come from wherever they live.
     * dnf prints the transaction and asks unless assumeYes; `history undo last` reverts it.
     */
    case 'sync': {
      const list = await deps.list()
      const prov = await provenance(dnf, list)
      if (prov.error) throw new AppError('DnfQueryFailed', prov.error, { stage: 'plan' })
      if (prov.switchable.length === 0) throw nothingToDo('no installed package has a Hyperscale build to switch to in the enabled Hyperscale repositories')
      const names = prov.switchable.map(assertPackageName)
      const argv = dnf.argv('distro-sync', ...(action.assumeYes ? ['-y'] : []), '--allowerasing', ...names)
      return plan(
        'Switch to the Hyperscale builds',
        [{ argv, why: `the enabled Hyperscale repositories (${prov.enabledHyperscaleRepos.join(', ')}) ship these packages` }],
        elevation,
        {
          interactive: !action.assumeYes,
          notes: [
            'Only the named packages are synchronized, with every enabled repository available for dependencies, so unrelated packages are not touched.',
            'distro-sync (not upgrade) also moves to a Hyperscale build whose version is lower than the stock one; the Hyperscale repos set priority=50, so dnf prefers them for these names.',
            '--allowerasing lets dnf remove packages that conflict with a Hyperscale build; read the transaction summary before answering.',
            'Undo with "Undo last transaction" (dnf history undo last).'
          ]
        }
      )
    }

    case 'undo': {
      const history = await dnfHistory(dnf)
      if (history.state === 'none') throw nothingToDo('dnf has recorded no transaction on this system, so there is nothing to undo')
      const last = history.last
      return plan('Undo the last dnf transaction', [{ argv: dnf.argv('history', 'undo', 'last', ...(action.assumeYes ? ['-y'] : [])) }], elevation, {
        interactive: !action.assumeYes,
        notes: [
          last ? `The last transaction is ${last}; it is undone whichever tool made it.` : 'dnf recorded no transaction that could be read here.',
          'dnf shows which packages it will reinstall, downgrade or remove before it asks.'
        ]
      })
    }

    case 'installKernel': {
      const list = await deps.list()
      const offer = await deps.flavours()
      const kernels = await installedKernels(dnf)
      const steps: PlanStep[] = []
      const notes = ['The new kernel is installed next to the current ones; making it the default boot entry is a separate step.']
      if (offer.kernelRoute === 'kernel-flavour') {
        const releaseInstalled = await installedSet(dnf, ['centos-release-hyperscale-kernel'])
        const kernelRepo = list.repos.find((r) => r.hyperscale?.variant === 'kernel' && r.hyperscale.kind === 'binary' && !r.hyperscale.testing)
        if (!releaseInstalled.has('centos-release-hyperscale-kernel') && !kernelRepo) {
          steps.push({
            argv: dnf.argv('install', '-y', assertAllowedPackage('centos-release-hyperscale-kernel')),
            why: 'adds the centos-hyperscale-kernel repository'
          })
        } else if (kernelRepo && !kernelRepo.enabled) {
          steps.push({ argv: dnf.argv(...toggleArgs(await dnfMajor(dnf), assertRepoId(kernelRepo.id), true)), why: `enable ${kernelRepo.id}` })
        }
      } else {
        // No kernel flavour on this stream: take the repo whose metadata has a Hyperscale kernel,
        // preferring one that is already enabled.
        const { providers, note } = await kernelProviders(dnf, list)
        const pick = providers.find((p) => p.enabled) ?? providers[0]
        if (!pick) {
          throw new AppError('NoHyperscaleKernel', `No configured Hyperscale repository offers a Hyperscale kernel: ${note ?? 'none found'}.`, {
            stage: 'plan',
            hint: `Stream ${offer.stream ?? '?'} has no kernel flavour; Hyperscale kernels come with the main or experimental repositories. Set up the experimental flavour, then try again.`
          })
        }
        if (!pick.enabled)
          steps.push({
            argv: dnf.argv(...toggleArgs(await dnfMajor(dnf), assertRepoId(pick.repo), true)),
            why: `enable ${pick.repo}: its metadata offers kernel ${pick.release}`
          })
        notes.push(`${pick.repo} offers kernel ${pick.release} (${pick.marker} build), found in its repository metadata.`)
      }
      // "dnf install kernel" is satisfied by any installed kernel (installonly), so with one
      // present the new build has to come through upgrade.
      const verb = kernels.length > 0 ? 'upgrade' : 'install'
      steps.push({
        argv: dnf.argv(verb, '-y', assertAllowedPackage('kernel')),
        why: 'the Hyperscale repositories have priority 50, so dnf takes the kernel from them'
      })
      return plan('Install the Hyperscale kernel', steps, elevation, { notes })
    }

    case 'enableRpmCow':
      return enableRpmCowPlan({ dnf, fs: deps.fs, elevation, list: await deps.list(), major: await dnfMajor(dnf) })

    case 'setDefaultKernel': {
      const release = assertKernelRelease(action.release)
      if (!deps.live)
        throw new AppError('NotSupported', 'the default boot entry can only be changed on the running system, not in an installroot', { stage: 'plan' })
      const kernels = await installedKernels(dnf)
      if (!kernels.includes(release)) {
        throw new AppError('UnknownKernel', `kernel ${release} is not installed`, {
          stage: 'plan',
          hint: kernels.length ? `Installed: ${kernels.join(', ')}` : undefined
        })
      }
      const image = `/boot/vmlinuz-${release}`
      if (!(await deps.fs.exists(image))) throw new AppError('UnknownKernel', `${image} does not exist`, { stage: 'plan' })
      return plan(
        `Boot ${release} by default`,
        [{ argv: ['grubby', `--set-default=${image}`], why: 'changes the default boot entry; the current kernel stays installed' }],
        elevation
      )
    }
  }
}
