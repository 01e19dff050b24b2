import { needsAction } from '../../src/shared/check-triage'
import { checkGroupOrder, checkGroupTitles } from '../../src/shared/contract'
import { afterAll, describe, expect, it } from 'vitest'
import { fixture, inspectRoot, makeRoot, MOUNT } from './fixture-root'
import { reportToMarkdown } from '../../src/main/services/inspect/markdown'
import type { InspectReport } from '../../src/shared/contract'

const R = '5.14.0-580.el9.x86_64'
const tree = makeRoot({
  '/etc/os-release': fixture('os-release/centos-stream-9'),
  '/proc/sys/kernel/osrelease': R,
  [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
  '/proc/cmdline': 'ro quiet\n',
  '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroupTmpfs, MOUNT.cgroupUnified].join('\n') + '\n'
})
afterAll(tree.cleanup)

describe('Markdown export', async () => {
  const { report } = await inspectRoot(tree.root)
  const md = reportToMarkdown(report)

  it('has one section per group, in display order, each with a table row per check', () => {
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1])
    expect(headings[0]).toBe('What to fix')
    expect(headings.slice(1)).toEqual(checkGroupOrder.map((g) => checkGroupTitles[g]))
    expect(headings.slice(1)).toContain('Storage and RPM copy-on-write')
    for (const c of report.checks) expect(md).toContain(`| ${c.title} |`)
    expect(md).toMatch(/\| Hardware \| ➖ n\/a \|/)
  })

  it('lists every actionable remedy with its exact command under "What to fix", facts under "For information"', () => {
    const todo = md.slice(md.indexOf('## What to fix'), md.indexOf('## System'))
    for (const c of report.checks.filter(needsAction)) {
      expect(todo).toContain(`**${c.title}**`)
      if (c.remedy?.command) expect(todo).toContain('`' + c.remedy.command + '`')
    }
    // Every warning or failure with a remedy is in exactly one of the two lists.
    for (const c of report.checks.filter((x) => x.remedy && (x.status === 'warn' || x.status === 'fail'))) expect(todo).toContain(`**${c.title}**`)
    expect(todo).toContain('grubby --update-kernel=ALL --args=psi=1')
    expect(todo).toContain('grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1')
  })

  it('puts evidence in collapsible blocks with the source and the excerpt', () => {
    expect(md).toContain('<details><summary>Kernel config: storage and compression: evidence</summary>')
    expect(md).toContain('# CONFIG_BTRFS_FS is not set')
    expect(md).toContain('`/proc/self/mountinfo`')
  })

  it('keeps tables and fences intact for hostile values', () => {
    const hostile: InspectReport = {
      ...report,
      checks: [
        {
          id: 'x',
          group: 'system',
          title: 'A | B',
          status: 'warn',
          value: 'line1\nline2 | x',
          evidence: [{ source: 'weird`src', excerpt: 'has ``` inside\n````' }],
          remedy: { text: 't', command: 'echo `x`' }
        }
      ],
      summary: { ok: 0, warn: 1, fail: 0, unknown: 0 }
    }
    const out = reportToMarkdown(hostile)
    expect(out).toContain('| A \\| B | ⚠️ Attention | line1 line2 \\| x |')
    expect(out).toContain('`````text\nhas ``` inside\n````\n`````')
    expect(out).toContain('`` echo `x` ``')
  })
})
