import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fixture, gz, inspectRoot, makeRoot } from './fixture-root'

// Parsed configs are kept per content (system/facts/kernel-config.ts); a changed file must never
// be answered from what was kept for the old bytes.
const roots: Array<() => void> = []
afterAll(() => roots.forEach((c) => c()))

describe('kernel config parsed once per content', () => {
  it('a rewritten /proc/config.gz or /boot/config is read again, not answered from the kept parse', async () => {
    const text = fixture('kernel-config/5.14.0-580.el9.x86_64')
    expect(text).toMatch(/^CONFIG_PSI=y$/m)
    const r = makeRoot({ '/etc/os-release': fixture('os-release/centos-stream-9'), '/proc/config.gz': gz(text) })
    roots.push(r.cleanup)
    type Option = { name: string; state: string }
    const psi = async () => ((await inspectRoot(r.root)).get('kconfig.resources').details?.options as Option[]).find((o) => o.name === 'PSI')?.state
    expect(await psi()).toBe('builtin')
    expect(await psi()).toBe('builtin')

    writeFileSync(path.join(r.root, 'proc/config.gz'), gz(text.replace(/^CONFIG_PSI=y$/m, '# CONFIG_PSI is not set')))
    expect(await psi()).not.toBe('builtin')

    // Garbage where the config was: unknown, not the kept verdict.
    writeFileSync(path.join(r.root, 'proc/config.gz'), gz('\u0000\u0001 not a config'))
    const report = await inspectRoot(r.root)
    expect(report.get('kconfig.source').status).toBe('unknown')
  })
})
