import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { InspectReport } from '../../src/shared/contract'
import { PROJECT_ROOT } from '../support/paths'
import { runHsc } from '../support/hsc'
import { fixture, gz, makeRoot } from './fixture-root'
import { answersAt } from './kconfig-kept-layout'

// /proc/config.gz inflated once, and what it said to each lookup kept beside the program answers
// (system/facts/kernel-config-kept.ts): each `hsc inspect` is a new process, and zlib, the
// inflate and the searches of the text were several ms of it. Through the built CLI, so the
// second run really is a new process with nothing in memory.
const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const cleanups: Array<() => void> = []
afterAll(() => cleanups.forEach((c) => c()))

type Option = { name: string; state: string }

describe.skipIf(!built)('the inflated kernel config kept between processes', () => {
  it('a second report loads no zlib and says the same; changed bytes are inflated again, never answered from the kept text', async () => {
    const text = fixture('kernel-config/5.14.0-580.el9.x86_64')
    const r = makeRoot({ '/etc/os-release': fixture('os-release/centos-stream-9'), '/proc/config.gz': gz(text) })
    cleanups.push(r.cleanup)
    const state = path.join(r.root, 'hsc-state')
    const builtins = path.join(state, 'builtins.txt')
    const preload = path.join(r.root, 'record-builtins.cjs')
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(builtins)}, process.moduleLoadList.join('\\n')))\n`)
    const report = async (): Promise<{ psi?: string; zlib: boolean; source: string }> => {
      const out = await runHsc(['inspect', '--json', '--root', r.root], { HSC_STATE_DIR: state, NODE_OPTIONS: `--require ${preload}` })
      expect(out.stderr).toBe('')
      const rep = JSON.parse(out.stdout) as InspectReport
      const options = rep.checks.find((c) => c.id === 'kconfig.resources')?.details?.options as Option[]
      return {
        psi: options.find((o) => o.name === 'PSI')?.state,
        zlib: readFileSync(builtins, 'utf8').split('\n').includes('NativeModule zlib'),
        source: String(rep.checks.find((c) => c.id === 'kconfig.source')?.value)
      }
    }
    const first = await report()
    expect(first).toEqual({ psi: 'builtin', zlib: true, source: '/proc/config.gz' })
    const keptFile = path.join(state, 'kernel-config.kept')
    expect(readFileSync(keptFile, 'latin1')).toMatch(/^hsc-kconfig 1\n\d+\n/)
    // The inflated text itself is no longer kept with the program answers.
    const answersFile = path.join(state, 'program-answers.json')
    if (existsSync(answersFile)) expect(readFileSync(answersFile, 'utf8')).not.toContain('gunzip:')
    expect(await report()).toEqual({ ...first, zlib: false })

    // Other bytes: inflated again, and their own text judged.
    writeFileSync(path.join(r.root, 'proc/config.gz'), gz(text.replace(/^CONFIG_PSI=y$/m, '# CONFIG_PSI is not set')))
    expect(await report()).toMatchObject({ psi: 'not-set', zlib: true })
    expect(await report()).toMatchObject({ psi: 'not-set', zlib: false })
    // A damaged kept file (the user's own, but a file) is not believed: the bytes are inflated again.
    const kept = readFileSync(keptFile)
    writeFileSync(keptFile, Buffer.concat([kept.subarray(0, kept.length - 40), Buffer.from('\u0000 damaged')]))
    expect(await report()).toMatchObject({ psi: 'not-set', zlib: true })
    expect(await report()).toMatchObject({ psi: 'not-set', zlib: false })
    // An option the kept answers do not cover is looked up in the text, inflated for it, then kept too.
    const whole = readFileSync(keptFile)
    const at = answersAt(whole)
    const answers = JSON.parse(whole.subarray(at).toString('utf8')) as { found: Record<string, unknown> }
    expect(answers.found.PSI).toEqual([null, true])
    delete answers.found.PSI
    writeFileSync(keptFile, Buffer.concat([whole.subarray(0, at), Buffer.from(JSON.stringify(answers))]))
    expect(await report()).toMatchObject({ psi: 'not-set', zlib: true })
    expect(await report()).toMatchObject({ psi: 'not-set', zlib: false })
    // What is not a config is never kept: judged (and inflated) each time.
    writeFileSync(path.join(r.root, 'proc/config.gz'), gz('\u0000\u0001 not a config'))
    for (let i = 0; i < 2; i++) expect(await report()).toMatchObject({ psi: 'unknown', zlib: true })
  })
})
