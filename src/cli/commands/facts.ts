import { promises as fsp, realpathSync } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../shared/contract/errors'
import { runCommand } from '../../main/services/system/command'
import { writeFileAtomic } from '../../main/services/fleet/atomic'
import { applyInstall, applyUninstall, DEFAULT_FACTS_DIR, DEFAULT_UNIT_DIR, planInstall, RefusedError, type InstallIo } from '../../main/services/fleet/install'
import { factToPrometheus } from '../../main/services/fleet/prometheus'
import { UsageError, value } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'
import { writeText } from '../stdio'

/** Turns "EACCES: permission denied, open …" into a sentence with what to do. */
async function writing<T>(what: string, f: () => Promise<T>, verb = 'write'): Promise<T> {
  try {
    return await f()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new AppError('PermissionDenied', `cannot ${verb} ${what}: ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'}`, {
        hint: 'facts install and uninstall change system directories: run them as root (in Ansible: become: true)',
        cause: e
      })
    }
    throw e
  }
}

const io: InstallIo = {
  readText: (p) =>
    writing(
      p,
      async () => {
        try {
          return await fsp.readFile(p, 'utf8')
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
          throw e
        }
      },
      'read'
    ),
  mkdirp: (d) => writing(d, async () => void (await fsp.mkdir(d, { recursive: true, mode: 0o755 }))),
  write: (p, c, mode) => writing(p, () => writeFileAtomic(p, c, mode)),
  remove: (p) => writing(p, () => fsp.rm(p, { force: true })),
  run: runCommand,
  systemdRunning: async () => (await fsp.stat('/run/systemd/system').catch(() => null))?.isDirectory() ?? false
}

/** The text `facts show` prints or writes: compact JSON (the Ansible fact) or the textfile format. */
async function render(format: string, ctx: CliContext): Promise<string> {
  const fact = await ctx.call('fleet.fact', { root: ctx.root })
  return format === 'prometheus' ? factToPrometheus(fact) : JSON.stringify(fact) + '\n'
}

function formatOf(v: string | undefined): 'json' | 'prometheus' {
  if (v === undefined || v === 'json' || v === 'prometheus') return v ?? 'json'
  throw new UsageError(`--format ${v}: use json or prometheus`)
}

/** The running hsc as the fact must call it: its own absolute path, symlinks (npm link) resolved. */
function selfPath(): string {
  const entry = process.argv[1]
  if (!entry) throw new Error('cannot tell where hsc is installed (no script path in argv)')
  return realpathSync(entry)
}

export const commands: Command[] = [
  {
    path: ['facts', 'show'],
    summary: "Print this machine's Hyperscale fact: inspect report + Hyperscale repos and packages + oomd (compact JSON; what the Ansible fact prints)",
    readOnly: true,
    maxArgs: 0,
    options: [
      { name: 'format', kind: 'value', valueName: 'json|prometheus', summary: 'json (default) or the Prometheus textfile-collector format' },
      { name: 'output', kind: 'value', valueName: 'FILE', summary: 'write FILE atomically (temp file + rename) instead of printing' }
    ],
    async run(args, ctx) {
      const text = await render(formatOf(value(args, 'format')), ctx)
      const out = value(args, 'output')
      if (out) await writeFileAtomic(path.resolve(out), text)
      else writeText(1, text)
      // Always 0: Ansible discards a fact whose program exits non-zero, failing checks included.
      return 0
    }
  },
  {
    path: ['facts', 'install'],
    summary: 'Install the Ansible local fact hyperscale.fact (and, with --prometheus, a timer that refreshes DIR/hyperscale.prom)',
    maxArgs: 0,
    options: [
      { name: 'dir', kind: 'value', valueName: 'DIR', summary: `Ansible facts directory (default ${DEFAULT_FACTS_DIR})` },
      { name: 'prometheus', kind: 'value', valueName: 'DIR', summary: 'node-exporter textfile directory, e.g. /var/lib/prometheus/node-exporter' },
      { name: 'unit-dir', kind: 'value', valueName: 'DIR', summary: `where the systemd units go (default ${DEFAULT_UNIT_DIR})` },
      { name: 'fact-root', kind: 'value', valueName: 'DIR', summary: 'the fact inspects DIR instead of / (a mounted image, test trees)' }
    ],
    async run(args, ctx) {
      const unitDir = value(args, 'unit-dir') ?? DEFAULT_UNIT_DIR
      const prometheusDir = value(args, 'prometheus')
      if (value(args, 'unit-dir') && !prometheusDir) throw new UsageError('--unit-dir only applies with --prometheus DIR')
      const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(p))
      const plan = planInstall({
        node: process.execPath,
        hsc: selfPath(),
        factsDir: abs(value(args, 'dir')) ?? DEFAULT_FACTS_DIR,
        prometheusDir: abs(prometheusDir),
        unitDir: abs(unitDir)!,
        root: abs(value(args, 'fact-root'))
      })
      let result
      try {
        result = await applyInstall(plan, { unitDir: abs(unitDir)! }, io)
      } catch (e) {
        if (e instanceof RefusedError) {
          ctx.err(`hsc: ${e.message}`)
          return 1
        }
        throw e
      }
      // Fill the textfile now: node-exporter serves it from the next scrape, not after the first timer run.
      let refreshed: string | undefined
      if (plan.promPath) {
        const root = value(args, 'fact-root')
        const fact = await ctx.call('fleet.fact', { root: root ? path.resolve(root) : undefined })
        await io.mkdirp(path.dirname(plan.promPath))
        await io.write(plan.promPath, factToPrometheus(fact), 0o644)
        refreshed = plan.promPath
      }
      ctx.print({ ...result, factPath: plan.factPath, promPath: plan.promPath ?? null, refreshed: refreshed ?? null }, () =>
        [
          `Installed ${plan.factPath}: \`ansible HOST -m setup -a filter=ansible_local\` now returns ansible_local.hyperscale.`,
          ...result.written.slice(0, -1).map((p) => `Wrote ${p}`),
          ...(refreshed ? [`Wrote ${refreshed}`] : []),
          ...(result.timer ? [result.timer.started ? result.timer.note : `Timer not started: ${result.timer.note}`] : [])
        ].join('\n')
      )
      return 0
    }
  },
  {
    path: ['facts', 'uninstall'],
    summary: 'Remove hyperscale.fact and the timer, service and .prom file that facts install added',
    maxArgs: 0,
    options: [{ name: 'dir', kind: 'value', valueName: 'DIR', summary: `Ansible facts directory (default ${DEFAULT_FACTS_DIR})` }],
    async run(args, ctx) {
      const dir = path.resolve(value(args, 'dir') ?? DEFAULT_FACTS_DIR)
      let r
      try {
        r = await applyUninstall(dir, io)
      } catch (e) {
        if (e instanceof RefusedError) {
          ctx.err(`hsc: ${e.message}`)
          return 1
        }
        throw e
      }
      ctx.print(r, () =>
        r.nothing
          ? `Nothing to remove: no hyperscale.fact in ${dir}.`
          : [...r.removed.map((p) => `Removed ${p}`), ...r.kept.map((k) => `Kept ${k.path} (${k.why})`)].join('\n')
      )
      return 0
    }
  }
]
