import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { createReposService, type ReposService } from '../../src/main/services/repos/service'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import { runCommand } from '../../src/main/services/system/command'
import { EventHub } from '../../src/main/services/system/events'
import { TerminalService } from '../../src/main/services/terminal/runner'
import type { ReposActionInput, TerminalExit } from '../../src/shared/contract'
import { reposAction } from '../../src/shared/contract/repos'
import { haveDnf, isRoot, realDump, realRepolist } from './helpers/real-dnf'
import { buildWorld, KEY_PATH, type World } from './helpers/world'

const haveTools = haveDnf && (await runCommand(['rpmbuild', '--version'])).code === 0 && (await runCommand(['createrepo_c', '--version'])).code === 0
const skip = !isRoot ? 'needs root: dnf --installroot writes an rpm database' : !haveTools ? 'needs dnf, rpmbuild and createrepo_c' : ''

describe.skipIf(!!skip)(`repos service against a real dnf installroot${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World
  let svc: ReposService
  let terminal: TerminalService
  const hub = new EventHub()
  const output = new Map<string, string>()

  beforeAll(async () => {
    world = await buildWorld()
    svc = createReposService({ run: runCommand, installroot: world.root, elevation: 'direct' })
    terminal = new TerminalService({ events: hub, elevation: 'direct' })
    // A client like the terminal panel: it collects the output and acknowledges it.
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
    await world?.close()
  })

  const parse = (a: ReposActionInput) => reposAction.parse(a)

  async function run(action: ReposActionInput, answer?: { when: RegExp; send: string }): Promise<{ exit: TerminalExit; out: string; argv: string[][] }> {
    const confirmed = await svc.plan(parse(action))
    const { plan, session } = await svc.run(parse(action), terminal, confirmed.digest)
    if (answer) {
      const deadline = Date.now() + 120_000
      while (!answer.when.test(output.get(session.id) ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      terminal.input(session.id, answer.send)
    }
    const exit = await terminal.wait(session.id)
    return { exit, out: output.get(session.id) ?? '', argv: plan.steps.map((s) => s.argv) }
  }

  function hashes(): Map<string, string> {
    const dir = path.join(world.root, 'etc/yum.repos.d')
    return new Map(
      readdirSync(dir).map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(path.join(dir, f)))
          .digest('hex')
      ])
    )
  }

  async function agreesWithDnf(): Promise<void> {
    const list = await svc.list()
    expect(new Map(list.repos.map((r) => [r.id, r.enabled]))).toEqual(await realRepolist(world.root))
  }

  const rpmQ = async (name: string) => (await runCommand(['rpm', '--root', world.root, '-q', name])).stdout.trim().split('\n').sort()
  const dnfPrefix = () => ['dnf', `--installroot=${world.root}`, '--releasever=9', `--setopt=reposdir=${world.root}/etc/yum.repos.d`]

  it('lists the stock repos of the installroot like dnf does, with no Hyperscale repo yet', async () => {
    const list = await svc.list()
    expect(list.installroot).toBe(world.root)
    expect(list.dnf.major).toBe(4)
    expect(list.repos.filter((r) => r.hyperscale)).toEqual([])
    await agreesWithDnf()
  })

  it('reports the prerequisites with status and a fix for each missing one', async () => {
    const pre = new Map((await svc.prerequisites()).map((p) => [p.id, p]))
    expect(pre.get('stream')).toMatchObject({ status: 'ok', detail: expect.stringContaining('CentOS Stream 9') })
    expect(pre.get('extras-common')!.status).toBe('ok')
    expect(pre.get('epel')).toMatchObject({ status: 'missing', fixable: true })
    expect(pre.get('crb')).toMatchObject({ status: 'missing', fixable: true, title: 'CRB repository enabled' })
    expect(pre.get('gpg-key')).toMatchObject({ status: 'missing', fixable: true })
    const fix = await svc.plan(parse({ kind: 'fix', prerequisite: 'crb' }))
    expect(fix.steps.map((s) => s.argv)).toEqual([[...dnfPrefix(), 'config-manager', '--set-enabled', 'crb']])
  })

  it('plans setup as exact argv: enable CRB, then install the release packages and EPEL', async () => {
    const plan = await svc.plan(parse({ kind: 'setup', experimental: true }))
    expect(plan.steps.map((s) => s.argv)).toEqual([
      [...dnfPrefix(), 'config-manager', '--set-enabled', 'crb'],
      [...dnfPrefix(), 'install', '-y', 'epel-release', 'centos-release-hyperscale', 'centos-release-hyperscale-experimental']
    ])
    expect(plan.elevation).toBe('direct')
    // Testing builds per flavour: main and experimental have testing release packages.
    const testing = await svc.plan(parse({ kind: 'setup', experimental: true, testing: true }))
    expect(testing.steps[1].argv.slice(-4)).toEqual([
      'centos-release-hyperscale',
      'centos-release-hyperscale-testing',
      'centos-release-hyperscale-experimental',
      'centos-release-hyperscale-experimental-testing'
    ])
  })

  it('setup offers only the flavours Stream 9 has, and says why the others are absent', async () => {
    const offer = await svc.flavours()
    expect(offer.stream).toBe('9')
    expect(offer.offered.map((r) => r.flavour)).toEqual(['main', 'experimental', 'facebook', 'spin', 'hotfixes', 'intel'])
    expect(offer.absent.map((a) => a.flavour)).toEqual(['kernel', 'asahi'])
    expect(offer.absent[0].reason).toMatch(/for CentOS Stream 10 only, not for Stream 9/)
    expect(offer.kernelRoute).toBe('repo-metadata')
    expect(offer.offered.find((r) => r.flavour === 'experimental')).toMatchObject({
      repoId: 'centos-hyperscale-experimental',
      testingBaseurl: 'https://buildlogs.centos.org/centos/$stream/hyperscale/$basearch/packages-experimental/'
    })
    await expect(svc.plan(parse({ kind: 'setup', kernel: true }))).rejects.toMatchObject({
      name: 'FlavourNotOnStream',
      message: expect.stringContaining('Stream 10 only'),
      hint: expect.stringContaining('Install the Hyperscale kernel')
    })
    await expect(svc.plan(parse({ kind: 'setup', flavours: ['asahi'] }))).rejects.toMatchObject({ name: 'FlavourNotOnStream' })
    await expect(svc.plan(parse({ kind: 'setup', flavours: ['facebook'] }))).rejects.toMatchObject({
      name: 'NoReleasePackage',
      hint: expect.stringContaining('packages-facebook')
    })
    // No Hyperscale repo yet: the kernel cannot come from anywhere, and the plan says so.
    await expect(svc.plan(parse({ kind: 'installKernel' }))).rejects.toMatchObject({
      name: 'NoHyperscaleKernel',
      hint: expect.stringContaining('experimental')
    })
  })

  it('setup installs the release packages; their repos appear enabled as packaged, owned by them', async () => {
    const { exit, out } = await run({ kind: 'setup', experimental: true })
    expect(exit, out).toMatchObject({ status: 'ok', code: 0, declined: false })
    expect(out).toContain('Complete!')
    for (const name of ['centos-release-hyperscale', 'centos-release-hyperscale-experimental', 'epel-release']) {
      expect((await rpmQ(name))[0]).toMatch(new RegExp(`^${name}-9-`))
    }
    const list = await svc.list()
    for (const [id, p] of world.packaged) {
      const repo = list.repos.find((r) => r.id === id)
      expect(repo, id).toBeDefined()
      expect(repo!.enabled, id).toBe(p.enabled)
      expect(repo!.file).toBe(p.file)
      expect(list.files.find((f) => f.path === p.file)!.owner).toBe(p.owner)
    }
    expect(list.repos.find((r) => r.id === 'centos-hyperscale-experimental')!.hyperscale).toMatchObject({ variant: 'experimental', kind: 'binary' })
    expect(list.repos.find((r) => r.id === 'crb')!.enabled).toBe(true)
    await agreesWithDnf()
    const pre = await svc.prerequisites()
    expect(pre.filter((p) => p.status !== 'ok')).toEqual([])
  })

  it('owners of many .repo files come from one rpm process, still matched file by file', async () => {
    const dir = path.join(world.root, 'etc/yum.repos.d')
    const extra = Array.from({ length: 60 }, (_, i) => `zz-local-${i}.repo`)
    for (const f of extra)
      writeFileSync(path.join(dir, f), `[zz-local-${f.length}-${Math.random().toString(36).slice(2)}]\nbaseurl=file:///nonexistent\nenabled=0\n`)
    // rpm is asked about every file before any is parsed: a packaged file that turns out
    // malformed (dnf skips it) has no owner in the list, though rpm named one.
    const [, broken] = [...world.packaged][0]
    const brokenFile = path.join(world.root, broken.file)
    const brokenText = readFileSync(brokenFile, 'utf8')
    writeFileSync(brokenFile, `${brokenText}\n[unclosed\n`)
    try {
      const rpmCalls: string[][] = []
      const counting: typeof runCommand = (argv, opts) => {
        if (argv[0] === 'rpm' && argv.includes('-qf')) rpmCalls.push([...argv])
        return runCommand(argv, opts)
      }
      const list = await createReposService({ run: counting, installroot: world.root, elevation: 'direct' }).list()
      expect(rpmCalls).toHaveLength(1)
      expect(rpmCalls[0]).toContain(broken.file)
      const brokenEntry = list.files.find((f) => f.path === broken.file)!
      expect([brokenEntry.malformed, brokenEntry.owner]).toEqual([true, undefined])
      for (const [, p] of world.packaged) if (p !== broken) expect(list.files.find((f) => f.path === p.file)!.owner).toBe(p.owner)
      for (const f of extra) expect(list.files.find((x) => x.path === `/etc/yum.repos.d/${f}`)!.owner).toBeUndefined()
    } finally {
      writeFileSync(brokenFile, brokenText)
      for (const f of extra) rmSync(path.join(dir, f), { force: true })
    }
  })

  it('enable/disable changes the real file, and dnf repolist agrees after every action', async () => {
    const steps: Array<[string, boolean]> = [
      ['centos-hyperscale-experimental', false],
      ['epel-debuginfo', true],
      ['centos-hyperscale-experimental', true],
      ['epel-debuginfo', false]
    ]
    for (const [id, enabled] of steps) {
      const repo = (await svc.list()).repos.find((r) => r.id === id)!
      const file = path.join(world.root, repo.file)
      const before = readFileSync(file, 'utf8')
      const { exit, argv } = await run({ kind: 'toggle', id, enabled })
      expect(argv).toEqual([[...dnfPrefix(), 'config-manager', enabled ? '--set-enabled' : '--set-disabled', id]])
      expect(exit.status).toBe('ok')
      expect(readFileSync(file, 'utf8')).not.toBe(before)
      expect((await realDump(world.root, [id])).get(id)!.enabled).toBe(enabled ? '1' : '0')
      expect((await svc.list()).repos.find((r) => r.id === id)!.enabled).toBe(enabled)
      await agreesWithDnf()
    }
    // several real dnf runs: more than the default minute on a loaded machine
  }, 240_000)

  it('rejects malformed files, unknown ids and injection attempts with a clear error, changing nothing', async () => {
    writeFileSync(path.join(world.root, 'etc/yum.repos.d/broken.repo'), '[broken-repo]\nname=broken\nenabled 1\n')
    const before = hashes()
    const sessions = terminal.list().length
    const list = await svc.list()
    expect(list.problems).toContainEqual(expect.objectContaining({ file: '/etc/yum.repos.d/broken.repo', line: 3, severity: 'error' }))
    expect(list.repos.some((r) => r.id === 'centos-hyperscale')).toBe(true)

    const attempts: Array<[string, RegExp]> = [
      ['x;rm -rf /', /ValidationError/],
      ['--setopt=reposdir=/tmp', /ValidationError/],
      ['-x', /ValidationError/],
      ['$(id)', /ValidationError/],
      ['a b', /ValidationError/],
      ['no-such-repo', /UnknownRepo/],
      ['broken-repo', /UnknownRepo/]
    ]
    for (const [id, name] of attempts) {
      // the service on its own (the schema is bypassed on purpose) ...
      const err = await svc.plan({ kind: 'toggle', id, enabled: true }).then(
        () => undefined,
        (e: Error) => e
      )
      expect(err, id).toBeInstanceOf(Error)
      expect(`${err!.name}: ${err!.message}`, id).toMatch(name)
      expect(err!.message).toContain(JSON.stringify(id).slice(1, 10))
    }
    const unknown = await svc.plan({ kind: 'toggle', id: 'broken-repo', enabled: true }).catch((e: { hint?: string }) => e)
    expect((unknown as { hint?: string }).hint).toContain('/etc/yum.repos.d/broken.repo')

    // ... and through the router, as the renderer would call it
    const ctx = createServiceContext({
      transport: 'browser',
      settings: createSettingsService(memoryBackend()),
      test: { allowLoopDevices: false, reposInstallroot: world.root }
    })
    const router = createRouter(createHandlers(ctx))
    for (const id of ['x;rm -rf /', '--setopt=reposdir=/tmp']) {
      const r = await router.call('repos.run', { action: { kind: 'toggle', id, enabled: true }, digest: '0'.repeat(64) })
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error).toMatchObject({ name: 'ValidationError', message: expect.stringContaining('repo ids') })
    }
    const r = await router.call('repos.run', { action: { kind: 'toggle', id: 'no-such-repo', enabled: false }, digest: '0'.repeat(64) })
    expect(r.ok ? 'started' : r.error.name).toBe('UnknownRepo')

    expect(hashes()).toEqual(before)
    expect(terminal.list().length).toBe(sessions)
    rmSync(path.join(world.root, 'etc/yum.repos.d/broken.repo'))
    // several real dnf runs: more than the default minute on a loaded machine
  }, 240_000)

  it('provenance: the Hyperscale build shows after switching to it (answered in the terminal), undo removes it', async () => {
    const before = await svc.packages()
    expect(before.error).toBeUndefined()
    expect(before.packages.map((p) => p.name)).not.toContain('hsdemo')
    expect(before.switchable).toEqual(['hsdemo'])
    expect(before.updates.map((u) => `${u.name} ${u.installed} -> ${u.available} @${u.repo}`).sort()).toEqual([
      'hsdemo 1.0-1.el9 -> 1.1-1.hs.el9 @centos-hyperscale',
      'kernel 5.14.0-580.el9 -> 6.10.9-0.hs1.hsx.el9 @centos-hyperscale-experimental'
    ])

    const plan = await svc.plan(parse({ kind: 'sync' }))
    expect(plan.interactive).toBe(true)
    expect(plan.steps[0].argv).toEqual([...dnfPrefix(), 'distro-sync', '--allowerasing', 'hsdemo'])
    const sync = await run({ kind: 'sync' }, { when: /Is this ok \[y\/N\]/, send: 'y\r' })
    expect(sync.exit, sync.out).toMatchObject({ status: 'ok' })
    expect(await rpmQ('hsdemo')).toEqual(['hsdemo-1.1-1.hs.el9.noarch'])

    const after = await svc.packages()
    expect(after.packages.find((p) => p.name === 'hsdemo')).toMatchObject({
      version: '1.1',
      release: '1.hs.el9',
      marker: 'hs',
      variant: 'main',
      fromRepo: 'centos-hyperscale'
    })
    expect(after.updates.map((u) => u.name)).toEqual(['kernel'])
    expect(after.switchable).toEqual([])
    expect(after.history).toMatchObject({ state: 'some', last: expect.stringMatching(/distro-sync --allowerasing hsdemo/) })

    const undoPlan = await svc.plan(parse({ kind: 'undo', assumeYes: true }))
    expect(undoPlan.notes[0]).toMatch(/^The last transaction is #\d+ \(.*distro-sync --allowerasing hsdemo, /)
    const undo = await run({ kind: 'undo', assumeYes: true })
    expect(undo.argv).toEqual([[...dnfPrefix(), 'history', 'undo', 'last', '-y']])
    expect(undo.exit, undo.out).toMatchObject({ status: 'ok' })
    expect(await rpmQ('hsdemo')).toEqual(['hsdemo-1.0-1.el9.noarch'])
    expect((await svc.packages()).packages.map((p) => p.name)).not.toContain('hsdemo')
    // several real dnf runs: more than the default minute on a loaded machine
  }, 240_000)

  it('a dnf prompt answered "no" ends as a failure of dnf, not as a declined authorization, and changes nothing', async () => {
    const res = await run({ kind: 'sync' }, { when: /Is this ok \[y\/N\]/, send: 'n\r' })
    expect(res.exit).toMatchObject({ status: 'failed', declined: false })
    expect(await rpmQ('hsdemo')).toEqual(['hsdemo-1.0-1.el9.noarch'])
  })

  it('kernel on Stream 9: the repo metadata says which Hyperscale repo ships one; it is enabled if needed, then installed next to the stock one', async () => {
    const k0 = await svc.kernel()
    expect(k0.running).toBeNull()
    expect(k0.route).toBe('repo-metadata')
    expect(k0.kernelRepoConfigured).toBe(false)
    expect(k0.providers).toEqual([{ repo: 'centos-hyperscale-experimental', release: '6.10.9-0.hs1.hsx.el9.noarch', marker: 'hsx', enabled: true }])
    expect(k0.installed).toEqual([{ release: '5.14.0-580.el9.noarch', hyperscale: false }])

    // With the providing repo disabled, the plan enables exactly that repo first.
    expect((await run({ kind: 'toggle', id: 'centos-hyperscale-experimental', enabled: false })).exit.status).toBe('ok')
    expect((await svc.kernel()).providers).toEqual([
      { repo: 'centos-hyperscale-experimental', release: '6.10.9-0.hs1.hsx.el9.noarch', marker: 'hsx', enabled: false }
    ])
    const planned = await svc.plan(parse({ kind: 'installKernel' }))
    expect(planned.steps.map((s) => s.argv)).toEqual([
      [...dnfPrefix(), 'config-manager', '--set-enabled', 'centos-hyperscale-experimental'],
      [...dnfPrefix(), 'upgrade', '-y', 'kernel']
    ])
    expect(planned.notes.join(' ')).toContain('centos-hyperscale-experimental offers kernel 6.10.9-0.hs1.hsx.el9.noarch')

    const { exit, argv, out } = await run({ kind: 'installKernel' })
    expect(argv).toEqual(planned.steps.map((s) => s.argv))
    expect(exit, out).toMatchObject({ status: 'ok' })
    const k1 = await svc.kernel()
    expect(k1.installed).toContainEqual({ release: '6.10.9-0.hs1.hsx.el9.noarch', hyperscale: true, marker: 'hsx' })
    expect(k1.installed).toContainEqual({ release: '5.14.0-580.el9.noarch', hyperscale: false })
    expect(existsSync(path.join(world.root, 'boot/vmlinuz-6.10.9-0.hs1.hsx.el9.noarch'))).toBe(true)

    await expect(svc.plan(parse({ kind: 'setDefaultKernel', release: '6.10.9-0.hs1.hsx.el9.noarch' }))).rejects.toMatchObject({ name: 'NotSupported' })
    // several real dnf runs: more than the default minute on a loaded machine
  }, 240_000)

  it('the GPG key fix reinstalls the package that owns the key when the key file is gone', async () => {
    rmSync(path.join(world.root, KEY_PATH))
    const pre = (await svc.prerequisites()).find((p) => p.id === 'gpg-key')!
    expect(pre).toMatchObject({ status: 'missing', fixable: true })
    const { exit, argv } = await run({ kind: 'fix', prerequisite: 'gpg-key' })
    expect(argv).toEqual([[...dnfPrefix(), 'reinstall', '-y', 'centos-release-hyperscale']])
    expect(exit.status).toBe('ok')
    expect((await svc.prerequisites()).find((p) => p.id === 'gpg-key')!.status).toBe('ok')
  })
})
