import { describe, expect, it } from 'vitest'
import { Dnf } from '../../src/main/services/repos/dnf'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { haveDnf } from './helpers/real-dnf'

describe.skipIf(!haveDnf)(`dnf version without starting dnf${haveDnf ? '' : ' (skipped: dnf is not installed)'}`, () => {
  it("reads the same version `dnf --version` prints, from dnf4's own files, and runs no process", async () => {
    const real = (await runCommand(['dnf', '--version'], { env: { LC_ALL: 'C.UTF-8' } })).stdout.split('\n')[0].trim()
    const calls: string[][] = []
    const counting: CommandRunner = (argv, opts) => {
      calls.push([...argv])
      return runCommand(argv, opts)
    }
    const info = await new Dnf(counting, {}, async () => false, createRootFs('/')).info()
    expect(info.major).toBe(4)
    expect(info.version).toBe(real)
    expect(calls).toEqual([])
  })

  it('without readable dnf files it asks dnf itself', async () => {
    const calls: string[][] = []
    const counting: CommandRunner = (argv, opts) => {
      calls.push([...argv])
      return runCommand(argv, opts)
    }
    const info = await new Dnf(counting, {}, async () => false, createRootFs('/nonexistent-host')).info()
    expect(info.major).toBe(4)
    expect(calls).toEqual([['dnf', '--version']])
  })
})
