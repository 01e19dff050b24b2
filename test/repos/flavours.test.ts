import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadFlavourTable } from '../../src/main/services/repos/flavour-table'
import { offerFor } from '../../src/main/services/repos/flavours'
import { createReposService } from '../../src/main/services/repos/service'
import { runCommand } from '../../src/main/services/system/command'
import { reposAction } from '../../src/shared/contract/repos'
import { PROJECT_ROOT } from '../support/paths'
import { fixtureRoot } from './helpers/fixture-root'
import { haveDnf } from './helpers/real-dnf'

const FILE = path.join(PROJECT_ROOT, 'resources/repos/flavours.json')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-flavours-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('the flavour table (resources/repos/flavours.json)', () => {
  it('every row names its source, and the streams match the SIG repo file', async () => {
    const table = await loadFlavourTable(FILE)
    for (const r of table.flavours) expect(r.source, r.flavour).toMatch(/\S/)
    const on = (stream: string) => offerFor(table, stream).offered.map((r) => r.flavour)
    expect(on('9')).toEqual(['main', 'experimental', 'facebook', 'spin', 'hotfixes', 'intel'])
    expect(on('10')).toEqual(['main', 'experimental', 'facebook', 'spin', 'kernel', 'asahi'])
    expect(offerFor(table, '10').kernelRoute).toBe('kernel-flavour')
    expect(offerFor(table, '10').absent.find((a) => a.flavour === 'hotfixes')!.reason).toMatch(/for CentOS Stream 9 only, not for Stream 10/)
    expect(offerFor(table, null).offered).toEqual([])
  })

  it('a corrected table changes the offer without code changes; a hostile one is refused with the reason', async () => {
    const doc = JSON.parse(readFileSync(FILE, 'utf8'))
    doc.flavours.find((r: { flavour: string }) => r.flavour === 'intel').streams = ['9', '10']
    const edited = path.join(tmp, 'edited.json')
    writeFileSync(edited, JSON.stringify(doc))
    expect(offerFor(await loadFlavourTable(edited), '10').offered.map((r) => r.flavour)).toContain('intel')

    doc.flavours[0].releasePackage = 'bash; rm -rf /'
    writeFileSync(edited, JSON.stringify(doc))
    await expect(loadFlavourTable(edited)).rejects.toMatchObject({ name: 'InvalidFlavours', message: expect.stringContaining('releasePackage') })
    writeFileSync(edited, '{')
    await expect(loadFlavourTable(edited)).rejects.toMatchObject({ name: 'FlavoursMissing' })
  })
})

describe.skipIf(!haveDnf)('Stream 10: the kernel flavour (real dnf, plan only)', () => {
  const root = () => fixtureRoot(tmp, 'centos-stream-9', { osRelease: 'centos-stream-10', extra: { 'etc/dnf/vars/stream': '10-stream\n' } })
  const svc = (r: string) => createReposService({ run: runCommand, installroot: r, elevation: 'pkexec', flavoursFile: FILE })

  it('setup can add the kernel flavour; installing the kernel is the release package, then dnf takes kernel from it', async () => {
    const r = root()
    const offer = await svc(r).flavours()
    expect(offer).toMatchObject({ stream: '10', kernelRoute: 'kernel-flavour' })
    const setup = await svc(r).plan(reposAction.parse({ kind: 'setup', kernel: true }))
    expect(setup.steps.at(-1)!.argv).toEqual(expect.arrayContaining(['install', '-y', 'centos-release-hyperscale', 'centos-release-hyperscale-kernel']))
    const kernel = await svc(r).plan(reposAction.parse({ kind: 'installKernel' }))
    expect(kernel.steps.map((s) => s.argv.slice(-3))).toEqual([
      ['install', '-y', 'centos-release-hyperscale-kernel'],
      ['install', '-y', 'kernel']
    ])
    await expect(svc(r).plan(reposAction.parse({ kind: 'setup', flavours: ['hotfixes'] }))).rejects.toMatchObject({
      name: 'FlavourNotOnStream',
      message: expect.stringContaining('Stream 9 only')
    })
  })
})
