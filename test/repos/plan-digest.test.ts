// repos.run runs only the plan the user confirmed: the service rebuilds the plan and compares
// its digest (argv + file contents) with the one the client confirmed, against a real dnf
// installroot whose .repo file changes between plan and run.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter, type Router } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { planDigest } from '../../src/main/services/repos/plan-digest'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import { runCommand } from '../../src/main/services/system/command'
import { userTerminalRunner } from '../../src/main/services/terminal/privileged'
import type { PrivilegedPlan, ReposRunResult } from '../../src/shared/contract'
import { haveDnf, isRoot, realRepolist } from './helpers/real-dnf'
import { buildWorld, type World } from './helpers/world'

describe('plan digest', () => {
  const steps = [{ argv: ['dnf', 'config-manager', '--set-enabled', 'crb'], why: 'enable crb' }]
  it('changes with any argv word or file content, not with explanations', () => {
    const d = planDigest(steps)
    expect(d).toMatch(/^[0-9a-f]{64}$/)
    expect(planDigest([{ ...steps[0], why: 'other words' }])).toBe(d)
    expect(planDigest([{ argv: ['dnf', 'config-manager', '--set-enabled', 'crb-debuginfo'] }])).not.toBe(d)
    expect(planDigest([...steps, ...steps])).not.toBe(d)
    // argv word boundaries count: ["a b"] is not ["a", "b"]
    expect(planDigest([{ argv: ['a b'] }])).not.toBe(planDigest([{ argv: ['a', 'b'] }]))
    const withFile = planDigest([{ argv: ['hsc-root-helper', 'write-oomd-dropin', 'x.conf'], stdin: '[OOM]\nSwapUsedLimit=80%\n' }])
    expect(planDigest([{ argv: ['hsc-root-helper', 'write-oomd-dropin', 'x.conf'], stdin: '[OOM]\nSwapUsedLimit=90%\n' }])).not.toBe(withFile)
  })
})

const haveTools = haveDnf && (await runCommand(['rpmbuild', '--version'])).code === 0 && (await runCommand(['createrepo_c', '--version'])).code === 0
const skip = !isRoot ? 'needs root: dnf --installroot writes an rpm database' : !haveTools ? 'needs dnf, rpmbuild and createrepo_c' : ''

describe.skipIf(!!skip)(`repos.run against a real dnf installroot${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World
  let router: Router
  const call = async <T>(method: 'repos.plan' | 'repos.run', input: unknown): Promise<T> => {
    const r = await router.call(method, input as never)
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error)
    return r.value as T
  }

  beforeAll(async () => {
    world = await buildWorld()
    const ctx = createServiceContext({
      transport: 'cli',
      settings: createSettingsService(memoryBackend()),
      test: { allowLoopDevices: false, reposInstallroot: world.root },
      // Root here: the runner starts dnf directly; its output is not needed.
      privileged: () => userTerminalRunner({ elevation: 'direct', stdio: 'ignore' })
    })
    router = createRouter(createHandlers(ctx))
  }, 240_000)

  afterAll(async () => {
    await world?.close()
  })

  it('refuses a run without a digest or with a malformed one (schema), before planning', async () => {
    const action = { kind: 'fix', prerequisite: 'crb' }
    for (const input of [{ action }, { action, digest: 'abc' }, { action, digest: 'G'.repeat(64) }]) {
      await expect(call('repos.run', input)).rejects.toMatchObject({ name: 'ValidationError' })
    }
  })

  it('a .repo file edited between plan and run: the run is refused with a sentence and nothing runs; the confirmed plan runs', async () => {
    const action = { kind: 'setup', experimental: true }
    const confirmed = await call<PrivilegedPlan>('repos.plan', { action })
    expect(confirmed.steps[0].argv.slice(-2)).toEqual(['--set-enabled', 'crb'])

    // Someone enables CRB by hand after the user saw the plan.
    const file = path.join(world.root, 'etc/yum.repos.d/centos.repo')
    const original = readFileSync(file, 'utf8')
    const edited = original.replace(/(\[crb\][^[]*?)enabled=0/, '$1enabled=1')
    expect(edited).not.toBe(original)
    writeFileSync(file, edited)
    try {
      const err = await call('repos.run', { action, digest: confirmed.digest }).then(
        () => undefined,
        (e: { name: string; message: string; hint?: string; detail?: string }) => e
      )
      expect(err).toMatchObject({ name: 'PlanChanged', message: 'The commands changed after you confirmed them, so nothing was run.' })
      expect(err?.hint).toMatch(/Review the new commands and confirm again/)
      expect(err?.detail).toContain('install -y')
      // Nothing ran: the release package is still not installed.
      expect((await runCommand(['rpm', '--root', world.root, '-q', 'centos-release-hyperscale'])).code).not.toBe(0)

      const rebuilt = await call<PrivilegedPlan>('repos.plan', { action })
      expect(rebuilt.digest).not.toBe(confirmed.digest)
      expect(rebuilt.steps.some((s) => s.argv.includes('--set-enabled'))).toBe(false)
    } finally {
      writeFileSync(file, original)
    }

    // The plan the user confirms now runs: real dnf config-manager in the installroot.
    const fix = await call<PrivilegedPlan>('repos.plan', { action: { kind: 'fix', prerequisite: 'crb' } })
    expect((await realRepolist(world.root)).get('crb')).toBe(false)
    const ran = await call<ReposRunResult>('repos.run', { action: { kind: 'fix', prerequisite: 'crb' }, digest: fix.digest })
    expect(ran.plan.digest).toBe(fix.digest)
    expect(ran.session.exit).toMatchObject({ status: 'ok', code: 0 })
    expect((await realRepolist(world.root)).get('crb')).toBe(true)
  }, 240_000)
})
