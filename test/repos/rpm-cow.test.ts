import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInspection } from '../../src/main/services/inspect/report'
import { withPluginEnabled } from '../../src/main/services/repos/reflink-conf'
import { createReposService, type ReposService } from '../../src/main/services/repos/service'
import { runCommand } from '../../src/main/services/system/command'
import { EventHub } from '../../src/main/services/system/events'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { TerminalService } from '../../src/main/services/terminal/runner'
import { reposAction } from '../../src/shared/contract/repos'
import { startStaticServer, type StaticServer } from '../support/static-server'
import { FIXTURES } from '../support/paths'
import { haveDnf, isRoot } from './helpers/real-dnf'
import { buildRpm, createrepo } from './helpers/rpm'

const haveTools = haveDnf && (await runCommand(['rpmbuild', '--version'])).code === 0 && (await runCommand(['createrepo_c', '--version'])).code === 0
const skip = !isRoot ? 'needs root: dnf --installroot writes an rpm database' : !haveTools ? 'needs dnf, rpmbuild and createrepo_c' : ''

describe('reflink.conf edits keep what else is there', () => {
  it('sets enabled=1 in [main] only', () => {
    expect(withPluginEnabled('[main]\nenabled=0\nverbose=1\n')).toBe('[main]\nenabled=1\nverbose=1\n')
    expect(withPluginEnabled('[main]\nverbose=1\n[other]\nenabled=0\n')).toBe('[main]\nverbose=1\nenabled=1\n[other]\nenabled=0\n')
    expect(withPluginEnabled(undefined)).toBe('[main]\nenabled=1\n')
    expect(withPluginEnabled('# only a comment\n')).toBe('[main]\nenabled=1\n\n# only a comment\n')
  })
})

describe.skipIf(!!skip)(`Enable RPM copy-on-write in a real dnf installroot${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string
  let root: string
  let server: StaticServer
  let svc: ReposService
  let terminal: TerminalService
  const hub = new EventHub()
  const output = new Map<string, string>()

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-rpmcow-'))
    const srv = path.join(tmp, 'srv')
    const work = path.join(tmp, 'rpmbuild')
    mkdirSync(work, { recursive: true })
    // Locally built packages with the real names; the plugin's config ships switched off.
    await buildRpm(
      {
        name: 'rpm-plugin-reflink',
        version: '4.16.1.3',
        release: '1.hsx.el9',
        files: { '/usr/lib64/rpm-plugins/reflink.so': { content: 'stand-in for the rpm plugin\n' } }
      },
      path.join(srv, 'hs-experimental'),
      work
    )
    await buildRpm(
      {
        name: 'python3-dnf-plugin-cow',
        version: '4.14.0',
        release: '1.hsx.el9',
        files: {
          '/etc/dnf/plugins/reflink.conf': { content: '[main]\nenabled=0\n', config: true },
          '/usr/share/doc/python3-dnf-plugin-cow/README': { content: 'stand-in: the real plugin lives in site-packages/dnf-plugins\n' }
        }
      },
      path.join(srv, 'hs-experimental'),
      work
    )
    await createrepo(path.join(srv, 'hs-experimental'))
    server = await startStaticServer(srv)

    root = path.join(tmp, 'root')
    for (const d of ['etc/yum.repos.d', 'etc/dnf/vars', 'etc/dnf/plugins']) mkdirSync(path.join(root, d), { recursive: true })
    cpSync(path.join(FIXTURES, 'os-release/centos-stream-9'), path.join(root, 'etc/os-release'))
    writeFileSync(path.join(root, 'etc/dnf/vars/stream'), '9-stream\n')
    writeFileSync(path.join(root, 'etc/dnf/dnf.conf'), `[main]\ngpgcheck=0\nskip_if_unavailable=False\npluginconfpath=${root}/etc/dnf/plugins\n`)
    for (const p of ['local', 'versionlock']) writeFileSync(path.join(root, `etc/dnf/plugins/${p}.conf`), '[main]\nenabled=0\n')
    writeFileSync(
      path.join(root, 'etc/yum.repos.d/CentOS-Stream-Hyperscale-Experimental.repo'),
      `[centos-hyperscale-experimental]\nname=CentOS Stream $releasever - Hyperscale Experimental\nbaseurl=${server.url}/hs-experimental/\ngpgcheck=0\nenabled=0\npriority=50\n`
    )
    svc = createReposService({ run: runCommand, installroot: root, elevation: 'direct' })
    terminal = new TerminalService({ events: hub, elevation: 'direct' })
    const client = hub.addClient((event, payload) => {
      if (event !== 'terminal.data') return
      const { id, data } = payload as { id: string; data: string }
      output.set(id, (output.get(id) ?? '') + data)
      terminal.ack(id, data.length)
    })
    hub.subscribe(client, 'terminal.data')
  }, 240_000)

  afterAll(async () => {
    await terminal?.close()
    await server?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  const checks = async () => {
    const report = await runInspection({ fs: createRootFs(root), run: runCommand })
    return new Map(report.checks.map((c) => [c.id, c]))
  }

  it('before: the inspector shows the missing pieces, each on its own line', async () => {
    const c = await checks()
    expect(c.get('rpm.cow.plugin')).toMatchObject({ status: 'warn', value: expect.stringContaining('missing') })
    expect(c.get('rpm.cow.packages')!.status).not.toBe('ok')
  })

  it('the plan enables the experimental repo, installs both packages and switches the plugin on; after it every line is ok', async () => {
    const action = reposAction.parse({ kind: 'enableRpmCow' })
    const plan = await svc.plan(action)
    const prefix = ['dnf', `--installroot=${root}`, '--releasever=9', `--setopt=reposdir=${root}/etc/yum.repos.d`]
    expect(plan.steps.map((s) => s.argv.slice(0, -2))).toEqual([
      [...prefix, 'config-manager'],
      [...prefix, 'install', '-y'],
      ['hsc-root-helper', 'enable-dnf-reflink']
    ])
    expect(plan.steps[0].argv.slice(-2)).toEqual(['--set-enabled', 'centos-hyperscale-experimental'])
    expect(plan.steps[1].argv.slice(-2)).toEqual(['rpm-plugin-reflink', 'python3-dnf-plugin-cow'])
    // No content crosses from the user's side: the root helper reads and edits the file itself.
    expect(plan.steps[2].argv.slice(-2)).toEqual(['--root', root])

    const { plan: ran, session } = await svc.run(action, terminal, plan.digest)
    expect(ran.steps.map((s) => s.argv)).toEqual(plan.steps.map((s) => s.argv))
    const exit = await terminal.wait(session.id)
    expect(exit, output.get(session.id)).toMatchObject({ status: 'ok' })

    const q = await runCommand(['rpm', '--root', root, '-q', 'rpm-plugin-reflink', 'python3-dnf-plugin-cow'])
    expect(q.stdout.trim().split('\n')).toEqual(['rpm-plugin-reflink-4.16.1.3-1.hsx.el9.noarch', 'python3-dnf-plugin-cow-4.14.0-1.hsx.el9.noarch'])
    expect(readFileSync(path.join(root, 'etc/dnf/plugins/reflink.conf'), 'utf8')).toMatch(/^enabled=1$/m)

    const c = await checks()
    expect(c.get('rpm.cow.packages')).toMatchObject({ status: 'ok', value: expect.stringContaining('rpm-plugin-reflink 4.16.1.3-1.hsx.el9') })
    expect(c.get('rpm.cow.plugin')).toMatchObject({ status: 'ok', value: 'enabled=1' })
    expect(c.get('rpm.cow.rpmdb')!.status).toBe('ok')
    await expect(svc.plan(action)).rejects.toMatchObject({ name: 'NothingToDo' })
  })
})
