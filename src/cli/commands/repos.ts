import { displayArgv } from '../../shared/contract/argv'
import type {
  FlavourOffer,
  HyperscaleFlavour,
  KernelInfo,
  Prerequisite,
  PrivilegedPlan,
  Provenance,
  RepoEntry,
  RepoList,
  ReposActionInput,
  TerminalExit
} from '../../shared/contract'
import { UsageError, type ParsedArgs } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'
import { table } from '../output'
import { stdStream } from '../stdio'

function enabledCell(r: RepoEntry, ctx: CliContext): string {
  return r.enabled ? ctx.style.green('enabled') : ctx.style.dim('disabled')
}

function url(r: RepoEntry): string {
  return (r.metalink ?? r.mirrorlist ?? r.baseurl[0])?.expanded ?? ''
}

function renderList(list: RepoList, ctx: CliContext): string {
  const s = ctx.style
  const out: string[] = []
  const owner = new Map(list.files.map((f) => [f.path, f.owner]))
  const hs = list.repos.filter((r) => r.hyperscale)
  out.push(s.bold('Hyperscale repositories'))
  if (hs.length === 0) out.push(s.dim('  none configured (hsc repos setup adds them)'))
  else {
    out.push(
      table(
        hs.map((r) => [
          '  ' + r.id,
          enabledCell(r, ctx),
          `${r.hyperscale!.variant}${r.hyperscale!.testing ? ' (testing)' : ''}${r.hyperscale!.kind !== 'binary' ? ` ${r.hyperscale!.kind}` : ''}`,
          owner.get(r.file) ?? s.dim('not owned by a package'),
          s.dim(`priority ${r.priority}`)
        ])
      )
    )
  }
  out.push('')
  const byFile = new Map<string, RepoEntry[]>()
  for (const r of list.repos) if (!r.hyperscale) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r])
  out.push(s.bold('Other repositories'))
  for (const [file, repos] of byFile) {
    out.push(`  ${file}${owner.get(file) ? s.dim(` (${owner.get(file)})`) : ''}`)
    out.push(table(repos.map((r) => ['    ' + r.id, enabledCell(r, ctx), s.dim(url(r))])))
  }
  for (const p of list.problems) {
    const where = `${p.file}${p.line ? `:${p.line}` : ''}`
    out.push((p.severity === 'error' ? s.red : s.yellow)(`  ! ${where}: ${p.message}`))
  }
  out.push(s.dim(`dnf ${list.dnf.major ?? 'not found'}${list.installroot ? `, installroot ${list.installroot}` : ''}`))
  return out.join('\n')
}

function renderPrerequisites(pre: Prerequisite[], ctx: CliContext): string {
  const mark: Record<Prerequisite['status'], string> = {
    ok: ctx.style.green('ok'),
    missing: ctx.style.red('missing'),
    'not-applicable': ctx.style.dim('n/a'),
    unknown: ctx.style.dim('?')
  }
  return table(
    pre.map((p) => [
      '  ' + mark[p.status],
      p.title,
      ctx.style.dim(p.detail + (p.status !== 'ok' && p.fixable ? ' (fixed by setup)' : p.hint ? ` — ${p.hint}` : ''))
    ])
  )
}

function renderPlan(plan: PrivilegedPlan, ctx: CliContext): string {
  const s = ctx.style
  const lines = [
    s.bold(plan.title) + s.dim(plan.elevation === 'pkexec' ? '  (each command runs through pkexec; polkit asks for a password)' : '  (running as root)')
  ]
  for (const step of plan.steps) lines.push(`  $ ${displayArgv(step.argv)}${step.why ? s.dim(`   # ${step.why}`) : ''}`)
  for (const n of plan.notes) lines.push(s.dim(`  • ${n}`))
  return lines.join('\n')
}

function renderPackages(p: Provenance, ctx: CliContext): string {
  const s = ctx.style
  const out = [s.bold('Installed Hyperscale builds')]
  if (p.packages.length === 0) out.push(s.dim('  none'))
  else
    out.push(
      table([
        ['  name', 'version-release', 'arch', 'build', 'from repo'].map(s.dim),
        ...p.packages.map((x) => ['  ' + x.name, `${x.version}-${x.release}`, x.arch, `${x.marker} (${x.variant})`, x.fromRepo ?? s.dim('unknown')])
      ])
    )
  out.push('', s.bold(`Hyperscale updates available: ${p.updates.length}`))
  if (p.updates.length) out.push(table(p.updates.map((u) => ['  ' + u.name, `${u.installed ?? '?'} → ${u.available}`, s.dim(u.repo)])))
  if (p.switchable.length) out.push('', `Stock packages with a Hyperscale build: ${p.switchable.join(', ')}`, s.dim('  hsc repos sync switches them'))
  if (p.enabledHyperscaleRepos.length === 0) out.push(s.dim('No Hyperscale repository is enabled.'))
  if (p.error) out.push(s.yellow(`! ${p.error}`))
  return out.join('\n')
}

function renderKernel(k: KernelInfo, ctx: CliContext): string {
  const s = ctx.style
  const b = (x: { release: string; hyperscale: boolean } | null) =>
    x ? `${x.release} ${x.hyperscale ? s.green('(Hyperscale)') : s.dim('(stock)')}` : s.dim('unknown')
  return [
    `running:      ${k.running ? b(k.running) : s.dim('n/a (installroot)')}`,
    `default boot: ${k.defaultBoot ? b(k.defaultBoot) : s.dim(k.defaultBootError ?? 'unknown')}`,
    'installed:',
    ...k.installed.map((x) => `  ${b(x)}`),
    k.route === 'repo-metadata'
      ? s.dim(
          k.providers?.length
            ? `Hyperscale kernel offered by: ${k.providers.map((p) => `${p.repo}${p.enabled ? '' : ' (disabled)'} ${p.release}`).join(', ')}`
            : `No configured Hyperscale repository offers a kernel: ${k.providersNote ?? 'none found'}`
        )
      : s.dim(
          `Hyperscale kernel repo ${k.kernelRepoConfigured ? 'configured' : 'not configured'}; centos-release-hyperscale-kernel ${k.kernelReleasePackageInstalled ? 'installed' : 'not installed'}`
        )
  ].join('\n')
}

function renderFlavours(o: FlavourOffer, ctx: CliContext): string {
  const s = ctx.style
  const out = [s.bold(o.stream ? `CentOS Stream ${o.stream}: Hyperscale flavours` : 'Not CentOS Stream: no Hyperscale flavour applies')]
  if (o.offered.length)
    out.push(table(o.offered.map((r) => ['  ' + r.flavour, r.releasePackage ?? s.yellow('(no release package: set up by hand)'), s.dim(r.description)])))
  for (const a of o.absent) out.push(s.dim(`  ${a.flavour}: not offered, ${a.reason}`))
  out.push(
    s.dim(
      o.kernelRoute === 'kernel-flavour'
        ? 'Hyperscale kernel: the kernel flavour.'
        : 'Hyperscale kernel: from whichever Hyperscale repository ships one (see hsc repos kernel).'
    )
  )
  out.push(s.dim(`Table: ${o.dataFile}`))
  return out.join('\n')
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: stdStream(2) })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

/**
 * Shows the exact commands, asks unless --yes, then runs them with the user's own terminal
 * (dnf's prompts and progress, pkexec's password prompt). Exit 1 when they fail or polkit says no.
 */
async function plannedRun(action: ReposActionInput, args: ParsedArgs, ctx: CliContext, opts: { ask: boolean }): Promise<number> {
  const plan = await ctx.call('repos.plan', { action })
  if (!ctx.json) ctx.err(renderPlan(plan, ctx))
  if (opts.ask && !args.flags.has('yes')) {
    if (!process.stdin.isTTY) throw new UsageError('refusing to run without --yes: stdin is not a terminal to ask on')
    if (!(await confirm('Run these commands? [y/N] '))) {
      ctx.err('Nothing was changed.')
      return 1
    }
  }
  // The service builds the plan again and runs it through the context's runner: the user's terminal.
  const { session } = await ctx.call('repos.run', { action, digest: plan.digest })
  const exit: TerminalExit = session.exit ?? { id: session.id, code: null, signal: null, declined: false, status: 'error', message: 'the run did not end' }
  if (ctx.json) ctx.out(JSON.stringify({ plan, exit }, null, 2))
  else ctx.err(exit.status === 'ok' ? ctx.style.green('Done.') : ctx.style.red(exit.declined ? 'Authorization declined; nothing was run.' : exit.message))
  return exit.status === 'ok' ? 0 : 1
}

const yes = { name: 'yes', kind: 'flag' as const, summary: 'do not ask before running the commands' }

function toggle(enabled: boolean): Command {
  return {
    path: ['repos', enabled ? 'enable' : 'disable'],
    summary: `${enabled ? 'Enable' : 'Disable'} a repository (dnf config-manager; polkit may ask for a password)`,
    args: 'ID',
    minArgs: 1,
    maxArgs: 1,
    run: (args, ctx) => plannedRun({ kind: 'toggle', id: args.positionals[0], enabled }, args, ctx, { ask: false })
  }
}

export const commands: Command[] = [
  {
    path: ['repos', 'list'],
    summary: 'List Hyperscale and other dnf repositories (exit 1 when a .repo file is malformed)',
    readOnly: true,
    maxArgs: 0,
    async run(_args, ctx) {
      const list = await ctx.call('repos.list', {})
      ctx.print(list, () => renderList(list, ctx))
      return list.problems.some((p) => p.severity === 'error') ? 1 : 0
    }
  },
  toggle(true),
  toggle(false),
  {
    path: ['repos', 'setup'],
    summary: 'Install centos-release-hyperscale (and chosen variants) plus missing prerequisites; shows the commands first',
    maxArgs: 0,
    options: [
      { name: 'experimental', kind: 'flag', summary: 'also centos-release-hyperscale-experimental' },
      { name: 'kernel', kind: 'flag', summary: 'also centos-release-hyperscale-kernel (Stream 10 only; on 9 the kernel comes with experimental)' },
      { name: 'spin', kind: 'flag', summary: 'also centos-release-hyperscale-spin' },
      { name: 'testing', kind: 'flag', summary: 'also the testing release package of each chosen flavour' },
      { name: 'flavour', kind: 'value', valueName: 'NAME', summary: 'another flavour by name (repeatable; see hsc repos flavours)' },
      yes
    ],
    async run(args, ctx) {
      if (!ctx.json) ctx.err(renderPrerequisites(await ctx.call('repos.prerequisites', {}), ctx) + '\n')
      const f = (n: string) => args.flags.has(n)
      const flavours = (args.values.get('flavour') ?? []) as HyperscaleFlavour[]
      return plannedRun({ kind: 'setup', experimental: f('experimental'), kernel: f('kernel'), spin: f('spin'), testing: f('testing'), flavours }, args, ctx, {
        ask: true
      })
    }
  },
  {
    path: ['repos', 'flavours'],
    summary: "The Hyperscale flavours this system's stream has, and why the others are absent",
    readOnly: true,
    maxArgs: 0,
    async run(_args, ctx) {
      const o = await ctx.call('repos.flavours', {})
      ctx.print(o, () => renderFlavours(o, ctx))
      return 0
    }
  },
  {
    path: ['repos', 'packages'],
    summary: 'Installed Hyperscale builds with their repo, and how many Hyperscale updates are available',
    readOnly: true,
    maxArgs: 0,
    async run(_args, ctx) {
      const p = await ctx.call('repos.packages', {})
      ctx.print(p, () => renderPackages(p, ctx))
      return p.error ? 1 : 0
    }
  },
  {
    path: ['repos', 'sync'],
    summary: 'Switch installed stock packages to their Hyperscale builds (dnf distro-sync --allowerasing NAMES; dnf asks unless --yes)',
    maxArgs: 0,
    options: [yes],
    run: (args, ctx) => plannedRun({ kind: 'sync', assumeYes: args.flags.has('yes') }, args, ctx, { ask: false })
  },
  {
    path: ['repos', 'cow'],
    summary: 'Enable RPM copy-on-write: the experimental repo, rpm-plugin-reflink + python3-dnf-plugin-cow, enabled=1 in reflink.conf',
    maxArgs: 0,
    options: [yes],
    run: (args, ctx) => plannedRun({ kind: 'enableRpmCow' }, args, ctx, { ask: true })
  },
  {
    path: ['repos', 'undo'],
    summary: 'Undo the last dnf transaction (dnf history undo last; dnf asks unless --yes)',
    maxArgs: 0,
    options: [yes],
    run: (args, ctx) => plannedRun({ kind: 'undo', assumeYes: args.flags.has('yes') }, args, ctx, { ask: false })
  },
  {
    path: ['repos', 'kernel'],
    summary: 'Running, default-boot and installed kernels, and which are Hyperscale builds',
    readOnly: true,
    maxArgs: 0,
    async run(_args, ctx) {
      const k = await ctx.call('repos.kernel', {})
      ctx.print(k, () => renderKernel(k, ctx))
      return 0
    }
  }
]
