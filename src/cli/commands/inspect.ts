import { promises as fsp } from 'node:fs'
import type { Check, CheckGroup, InspectReport } from '../../shared/contract'
import { checkGroupTitles } from '../../shared/contract/check-groups'
import { UsageError, value } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'
import { table } from '../output'
import { CHECK_TERMS } from '../../shared/vocabulary'
import { needsAction } from '../../shared/check-triage'

/** --output FILE: the format comes from the extension; anything else is refused, not guessed. */
export function outputFormat(file: string): 'md' | 'json' {
  const ext = file.toLowerCase().match(/\.([a-z]+)$/)?.[1]
  if (ext === 'md' || ext === 'markdown') return 'md'
  if (ext === 'json') return 'json'
  throw new UsageError(`--output ${file}: cannot tell the format from the name; end it in .md (Markdown) or .json (JSON)`)
}

export function render(report: InspectReport, ctx: Pick<CliContext, 'style'>): string {
  const s = ctx.style
  const byGroup = new Map<CheckGroup, Check[]>()
  for (const c of report.checks) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c])
  const out: string[] = []
  for (const [group, checks] of byGroup) {
    out.push(s.bold(checkGroupTitles[group] ?? group))
    out.push(table(checks.map((c) => ['  ' + s.status(c.status, CHECK_TERMS[c.status].word.padEnd(9)), c.title, c.value.split('\n')[0]])))
    // Remedies are what to do: printed plainly, not dimmed. Facts that are not tasks say so.
    for (const c of checks) {
      if (c.status !== 'ok' && c.remedy)
        out.push(`    → ${needsAction(c) ? '' : 'for information: '}${c.title}: ${c.remedy.text}${c.remedy.command ? `\n      $ ${c.remedy.command}` : ''}`)
    }
    out.push('')
  }
  const { ok, warn, fail, unknown } = report.summary
  const todo = report.checks.filter(needsAction).length
  out.push(
    `${report.checks.length} checks: ${s.green(`${ok} ${CHECK_TERMS.ok.word}`)}, ${s.yellow(`${warn} ${CHECK_TERMS.warn.word}`)}, ${s.red(`${fail} ${CHECK_TERMS.fail.word}`)}, ${unknown} ${CHECK_TERMS.unknown.word}; ${todo} to fix  ${s.dim(`(${report.durationMs} ms, root ${report.root})`)}`
  )
  return out.join('\n')
}

export const commands: Command[] = [
  {
    path: ['inspect'],
    summary: 'Inspect kernel, cgroup, PSI, btrfs, systemd and RPM copy-on-write support',
    readOnly: true,
    maxArgs: 0,
    options: [
      { name: 'markdown', kind: 'flag', summary: 'print the report as Markdown (for bug reports)' },
      {
        name: 'format',
        kind: 'value',
        valueName: 'text|json|markdown|prometheus',
        summary: 'output format; json and markdown are --json and --markdown, prometheus the node-exporter textfile format'
      },
      { name: 'output', kind: 'value', valueName: 'FILE', summary: 'also save the report to FILE; the name must end in .md or .json' }
    ],
    async run(args, ctx) {
      const format = value(args, 'format')
      if (format !== undefined && !['text', 'json', 'markdown', 'prometheus'].includes(format))
        throw new UsageError(`--format ${format}: use text, json, markdown or prometheus`)
      if (format === 'prometheus') {
        if (value(args, 'output'))
          throw new UsageError('--output with --format prometheus: use hsc facts show --format prometheus --output FILE (written atomically)')
        const { factToPrometheus } = await import('../../main/services/fleet/prometheus')
        const fact = await ctx.call('fleet.fact', { root: ctx.root })
        ctx.out(factToPrometheus(fact))
        return fact.inspect.summary.fail > 0 ? 1 : 0
      }
      if (format === 'json') ctx.json = true
      if (format === 'markdown') args.flags.add('markdown')
      const report = await ctx.call('inspect.report', { root: ctx.root })
      const save = value(args, 'output')
      const saveAs = save === undefined ? undefined : outputFormat(save)
      const markdown = args.flags.has('markdown') || saveAs === 'md'
      const md = markdown ? await ctx.call('inspect.exportMarkdown', { root: ctx.root }) : ''
      if (save) await fsp.writeFile(save, saveAs === 'md' ? md : JSON.stringify(report, null, 2) + '\n')
      if (ctx.json) ctx.out(JSON.stringify(report, null, 2))
      else if (args.flags.has('markdown')) ctx.out(md)
      else ctx.out(render(report, ctx))
      return report.summary.fail > 0 ? 1 : 0
    }
  },
  {
    path: ['inspect', 'reflink'],
    summary: 'Prove copy-on-write clones work in DIR (copies a small file with FICLONE)',
    args: 'DIR',
    minArgs: 1,
    maxArgs: 1,
    async run(args, ctx) {
      const r = await ctx.call('inspect.reflinkTest', { path: args.positionals[0] })
      ctx.print(r, () => `${r.supported ? ctx.style.green('supported') : ctx.style.red('not supported')}: ${r.message}`)
      return r.supported ? 0 : 1
    }
  }
]
