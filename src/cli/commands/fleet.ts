import { promises as fsp } from 'node:fs'
import { fleetReport } from '../../main/services/fleet/report'
import { loadHosts, type FleetFiles } from '../../main/services/fleet/sources'
import { fleetToHtml } from '../../main/services/fleet/render-html'
import { fleetToMarkdown } from '../../main/services/fleet/render-markdown'
import { fleetToText } from '../../main/services/fleet/render-text'
import { UsageError } from '../args'
import type { Command } from '../command'

const files: FleetFiles = {
  async kind(p) {
    const st = await fsp.stat(p).catch(() => null)
    return st === null ? null : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other'
  },
  list: (dir) => fsp.readdir(dir),
  async read(p, maxBytes) {
    const fh = await fsp.open(p, 'r')
    try {
      const size = (await fh.stat()).size
      if (size > maxBytes) throw new Error(`larger than ${Math.round(maxBytes / 1024 / 1024)} MiB (${size} bytes); not a fact`)
      return await fh.readFile('utf8')
    } finally {
      await fh.close()
    }
  }
}

export const commands: Command[] = [
  {
    path: ['fleet', 'report'],
    summary: 'One table of many hosts from an Ansible fact cache directory or saved facts/inspect reports: what differs, and the remedy per group',
    args: 'FACTS_DIR|JSON...',
    minArgs: 1,
    options: [
      { name: 'markdown', kind: 'flag', summary: 'print Markdown' },
      { name: 'html', kind: 'flag', summary: 'print a standalone HTML page' }
    ],
    async run(args, ctx) {
      const formats = ['markdown', 'html'].filter((f) => args.flags.has(f))
      if (formats.length + (ctx.json ? 1 : 0) > 1) throw new UsageError('choose one of --json, --markdown, --html')
      const report = fleetReport(await loadHosts(args.positionals, files))
      if (ctx.json) ctx.out(JSON.stringify(report, null, 2))
      else if (args.flags.has('markdown')) ctx.out(fleetToMarkdown(report))
      else if (args.flags.has('html')) ctx.out(fleetToHtml(report))
      else ctx.out(fleetToText(report))
      // Like inspect: 1 when a check fails somewhere, or a host could not be read (a cron job notices a host that stopped reporting).
      return report.hosts.some((h) => h.kind === 'error') || report.remedies.some((r) => r.status === 'fail') ? 1 : 0
    }
  }
]
