import type { OomdState, OomdStatus, OomdThresholdsResult } from '../../shared/contract'
import { AppError } from '../../shared/contract/errors'
import { OOMD_THRESHOLDS_FILE, thresholdKeys, type ThresholdKey } from '../../shared/contract/oomd-keys'
import { UsageError } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'
import { table } from '../output'

function stateLine(st: OomdState, ctx: CliContext): string {
  const s = ctx.style
  const enabled = st.enabled ? s.green('enabled') : s.yellow(st.service.unitFileState)
  const active = st.active
    ? s.green('active')
    : st.service.activeState === 'unknown' || st.service.activeState === 'n/a'
      ? s.dim(st.service.activeState)
      : s.yellow(st.service.activeState)
  return `systemd-oomd.service: ${enabled}, ${active}   socket: ${st.socket.unitFileState}, ${st.socket.activeState}   ${s.dim(`(${st.source})`)}`
}

function render(st: OomdStatus, ctx: CliContext): string {
  const s = ctx.style
  const out: string[] = [s.bold('systemd-oomd'), stateLine(st.state, ctx)]
  if (st.state.note) out.push(s.dim(st.state.note))
  out.push(
    st.canRun
      ? s.green('Requirements met: systemd-oomd can run here.')
      : s.red(`systemd-oomd cannot run here (${st.blockers.length} requirement${st.blockers.length > 1 ? 's' : ''} missing).`),
    ''
  )

  out.push(s.bold('Requirements'))
  out.push(table(st.requirements.map((r) => ['  ' + s.status(r.status, r.status.padEnd(7)), r.title + (r.hard ? '' : s.dim(' (recommended)')), r.value])))
  for (const r of st.requirements) {
    if (r.status === 'ok') continue
    out.push(s.dim(`    → ${r.reason}${r.remedy ? ` ${r.remedy.text}` : ''}${r.remedy?.command ? `\n      $ ${r.remedy.command}` : ''}`))
  }
  out.push('')

  out.push(s.bold('Thresholds (oomd.conf)'))
  out.push(
    table(
      thresholdKeys.map((k) => {
        const v = st.config.settings[k]
        return ['  ' + k, v.value, v.source ? `${v.source}${v.line ? `:${v.line}` : ''}` : s.dim('built-in default')]
      })
    )
  )
  for (const w of st.config.warnings) out.push(s.yellow(`  ! ${w}`))
  out.push(s.dim(`  vendor defaults package: ${st.defaultsPackage.installed ? st.defaultsPackage.files.join(', ') : 'not installed'}`), '')

  out.push(s.bold('Per-unit settings'))
  const rows = [['  unit', 'Swap', 'MemoryPressure', 'Limit', 'Preference', 'set by'].map((h) => s.dim(h))]
  for (const u of st.units) {
    const v = u.settings
    const sources = [
      ...new Set(
        Object.values(v)
          .map((e) => e.source)
          .filter((x): x is string => x !== null)
      )
    ]
    rows.push([
      `  ${u.unit}${u.manager === 'user' ? s.dim(' (user)') : ''}`,
      v.ManagedOOMSwap.value,
      v.ManagedOOMMemoryPressure.value,
      v.ManagedOOMMemoryPressureLimit.value,
      v.ManagedOOMPreference.value,
      sources.join(', ') || s.dim('defaults')
    ])
  }
  out.push(table(rows), '')

  out.push(s.bold('Monitored cgroups'))
  if (!st.monitored.available || !st.monitored.dump) out.push(s.dim(`  ${st.monitored.reason ?? 'not available'}`))
  else {
    const d = st.monitored.dump
    const cg = [...d.memoryPressureMonitored.map((c) => ({ c, kind: 'pressure' })), ...d.swapMonitored.map((c) => ({ c, kind: 'swap' }))]
    if (cg.length === 0) out.push(s.dim('  none'))
    else
      out.push(
        table(
          cg.map(({ c, kind }) => [`  ${c.path}`, kind, c.memoryPressureLimit ?? c.swapUsage ?? '', c.pressure ? `avg10 ${c.pressure.avg10.toFixed(2)}` : ''])
        )
      )
  }
  return out.join('\n')
}

function renderThresholds(r: OomdThresholdsResult, ctx: CliContext): string {
  const restart: Record<OomdThresholdsResult['restart'], string> = {
    restarted: 'systemd-oomd was restarted to apply them.',
    'not-running': 'systemd-oomd is not running; they apply when it starts.',
    'offline-root': 'offline root: nothing to restart.',
    'systemd-unavailable': 'systemd is not reachable; they apply when systemd-oomd next starts.'
  }
  const lines = [r.content === null ? `Removed ${r.path}.` : `Wrote ${r.path}.`, ctx.style.dim(restart[r.restart])]
  for (const k of thresholdKeys) {
    const v = r.config.settings[k]
    lines.push(`  ${k} = ${v.value}  ${ctx.style.dim(v.source ?? 'built-in default')}`)
  }
  return lines.join('\n')
}

/** KEY=VALUE words → values; an empty VALUE removes the key from the app's file. */
export function parseAssignments(words: readonly string[]): Partial<Record<ThresholdKey, string | null>> {
  const values: Partial<Record<ThresholdKey, string | null>> = {}
  for (const w of words) {
    const eq = w.indexOf('=')
    const key = eq > 0 ? w.slice(0, eq) : ''
    const k = thresholdKeys.find((t) => t.toLowerCase() === key.toLowerCase())
    if (!k) throw new UsageError(`expected KEY=VALUE with KEY one of ${thresholdKeys.join(', ')}, got ${JSON.stringify(w.slice(0, 80))}`)
    if (k in values) throw new UsageError(`${k} given twice`)
    const v = w.slice(eq + 1)
    values[k] = v === '' ? null : v
  }
  return values
}

function renderToggle(r: { steps: string[]; state: OomdState }, ctx: CliContext): string {
  return [...r.steps.map((s) => ctx.style.dim(`  ${s}`)), stateLine(r.state, ctx)].join('\n')
}

export const commands: Command[] = [
  {
    path: ['oomd', 'status'],
    summary: 'Show systemd-oomd state, requirements, effective thresholds, per-unit settings and monitored cgroups (exit 1 when it cannot run)',
    readOnly: true,
    maxArgs: 0,
    async run(_args, ctx) {
      const st = await ctx.call('oomd.status', { root: ctx.root })
      ctx.print(st, () => render(st, ctx))
      return st.canRun ? 0 : 1
    }
  },
  {
    path: ['oomd', 'enable'],
    summary: 'Enable and start systemd-oomd (refused when a requirement is missing; polkit may ask for a password)',
    maxArgs: 0,
    async run(_args, ctx) {
      const r = await ctx.call('oomd.enable', {})
      ctx.print(r, () => renderToggle(r, ctx))
      return 0
    }
  },
  {
    path: ['oomd', 'disable'],
    summary: 'Stop and disable systemd-oomd (polkit may ask for a password)',
    maxArgs: 0,
    async run(_args, ctx) {
      const r = await ctx.call('oomd.disable', {})
      ctx.print(r, () => renderToggle(r, ctx))
      return 0
    }
  },
  {
    path: ['oomd', 'set'],
    summary: `Set thresholds in ${OOMD_THRESHOLDS_FILE} (KEY= removes one); restarts a running systemd-oomd`,
    args: 'KEY=VALUE...',
    minArgs: 1,
    maxArgs: thresholdKeys.length,
    async run(args, ctx) {
      const values = parseAssignments(args.positionals)
      let r: OomdThresholdsResult
      try {
        r = await ctx.call('oomd.setThresholds', { values })
      } catch (e) {
        // A value systemd would not accept is a usage error: one line, exit 2, nothing written.
        if (e instanceof AppError && e.name === 'InvalidThreshold') throw new UsageError(e.message)
        throw e
      }
      ctx.print(r, () => renderThresholds(r, ctx))
      return 0
    }
  },
  {
    path: ['oomd', 'reset'],
    summary: "Reset thresholds to the defaults: remove the app's oomd.conf.d file",
    maxArgs: 0,
    async run(_args, ctx) {
      const r = await ctx.call('oomd.reset', {})
      ctx.print(r, () => renderThresholds(r, ctx))
      return 0
    }
  }
]
