import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { samplePressure, startPressureSampler } from '../../src/main/services/oomd/pressure'
import { parsePressure } from '../../src/main/services/inspect/parsers/pressure'
import type { OomdPressureSample } from '../../src/shared/contract/oomd'
import { makeTree } from './tree'

let psiReadable = true
try {
  readFileSync('/proc/pressure/memory', 'utf8')
} catch {
  psiReadable = false
}

describe('memory pressure sampling', () => {
  it('a sample carries some and full averages as the kernel printed them', async () => {
    const text = 'some avg10=1.50 avg60=0.75 avg300=0.10 total=123456\nfull avg10=0.50 avg60=0.25 avg300=0.00 total=6543\n'
    const t = makeTree({ '/proc/pressure/memory': text })
    try {
      const s = await samplePressure(createRootFs(t.root), () => 42)
      expect(s).toEqual({ t: 42, some: { avg10: 1.5, avg60: 0.75, avg300: 0.1, total: 123456 }, full: { avg10: 0.5, avg60: 0.25, avg300: 0, total: 6543 } })
    } finally {
      t.cleanup()
    }
  })

  it.skipIf(!psiReadable)('samples the live /proc/pressure/memory repeatedly and stops when told', async () => {
    const samples: OomdPressureSample[] = []
    let stop: () => void = () => undefined
    await new Promise<void>((resolve) => {
      stop = startPressureSampler(
        createRootFs('/'),
        (s) => {
          samples.push(s)
          if (samples.length >= 3) resolve()
        },
        50
      )
    })
    stop()
    const n = samples.length
    expect(n).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < n; i++) expect(samples[i].t).toBeGreaterThan(samples[i - 1].t)
    // The kernel's cumulative stall counter never goes backwards.
    for (let i = 1; i < n; i++) expect(samples[i].some?.total).toBeGreaterThanOrEqual(samples[i - 1].some?.total ?? 0)
    const now = parsePressure(readFileSync('/proc/pressure/memory', 'utf8'))
    expect(now.some?.total).toBeGreaterThanOrEqual(samples[n - 1].some?.total ?? Infinity)
    await new Promise((r) => setTimeout(r, 200))
    expect(samples.length).toBe(n)
  })

  it('an unreadable pressure file becomes a sample with an error, not a crash', async () => {
    const t = makeTree({})
    try {
      const samples: OomdPressureSample[] = []
      let stop: () => void = () => undefined
      await new Promise<void>((resolve) => {
        stop = startPressureSampler(
          createRootFs(t.root),
          (s) => {
            samples.push(s)
            resolve()
          },
          1000
        )
      })
      stop()
      expect(samples).toHaveLength(1)
      expect(samples[0]).toMatchObject({ some: null, full: null })
      expect(samples[0].error).toMatch(/ENOENT/)
    } finally {
      t.cleanup()
    }
  })
})
