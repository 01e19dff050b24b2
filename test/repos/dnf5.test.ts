import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createReposService } from '../../src/main/services/repos/service'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { reposAction } from '../../src/shared/contract/repos'
import { fixtureRoot } from './helpers/fixture-root'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-repos-dnf5-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/**
 * dnf5 is not packaged for Debian 12, so this stand-in answers only `dnf --version` the way
 * dnf5 does ("dnf5 version 5.2.8.1" first); every other command runs for real.
 */
const standInDnf5: CommandRunner = async (argv, opts) =>
  argv[0] === 'dnf' && argv[1] === '--version'
    ? { code: 0, stdout: 'dnf5 version 5.2.8.1\ndnf5 plugin API version 2.0\nlibdnf5 version 5.2.8.1\n', stderr: '' }
    : runCommand(argv, opts)

describe('dnf5 systems (stand-in for `dnf --version`)', () => {
  it('toggles with `config-manager setopt ID.enabled=0` and says where dnf5 records it', async () => {
    const root = fixtureRoot(tmp, 'hyperscale-el9')
    // An empty host tree: no dnf4 script to read, so the version comes from `dnf --version`.
    const svc = createReposService({ run: standInDnf5, installroot: root, elevation: 'pkexec', hostFs: createRootFs(tmp) })
    expect((await svc.list()).dnf).toMatchObject({ major: 5, version: '5.2.8.1' })
    const plan = await svc.plan(reposAction.parse({ kind: 'toggle', id: 'centos-hyperscale-kernel', enabled: false }))
    expect(plan.steps[0].argv.slice(-4)).toEqual(['config-manager', 'setopt', '--create-missing-dir', 'centos-hyperscale-kernel.enabled=0'])
    expect(plan.notes.join(' ')).toContain('repos.override.d/99-config_manager.repo')
  })
})
