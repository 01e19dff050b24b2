import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileReadError, readRegularSync, readRegularSyncIfPresent } from '../../src/main/services/system/safe-file'

// readRegularSync reads small files into one reused buffer and copies them out (safe-file.ts):
// every size around that buffer's, and the cap, must still give exactly the file's bytes.
const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-safe-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff))

describe('readRegularSync', () => {
  it('gives each file its own exact bytes, whatever its size around the reused buffer', () => {
    const results: Array<[Buffer, Buffer]> = []
    for (const [i, n] of [0, 1, 100, 4095, 4096, 4097, 65535, 65536, 65537, 200_000, 1 << 20].entries()) {
      const file = path.join(dir, `f${n}`)
      const want = bytes(n, i)
      writeFileSync(file, want)
      results.push([readRegularSync(file), want])
    }
    // Compared after all reads: a buffer handed out must not change when the next file is read.
    for (const [got, want] of results) expect(got.equals(want), `${want.length} bytes`).toBe(true)
  })

  it('reads procfs and sysfs files, whose sizes say nothing (0, 4096), to their end', () => {
    const mountinfo = readRegularSync('/proc/self/mountinfo').toString()
    expect(mountinfo.length).toBeGreaterThan(0)
    expect(mountinfo.endsWith('\n')).toBe(true)
    // sysfs says 4096 bytes for a few: the read goes on past that short read to the real end.
    const online = '/sys/devices/system/cpu/online'
    expect(statSync(online).size).toBe(4096)
    expect(readRegularSync(online).toString()).toBe(execFileSync('cat', [online], { encoding: 'utf8' }))
    expect(readRegularSync('/proc/self/limits').toString()).toMatch(/^Limit\s+Soft Limit/)
  })

  it('refuses a file over the cap, told by its size or by reading past it', () => {
    const file = path.join(dir, 'big')
    writeFileSync(file, bytes(70_000, 3))
    expect(() => readRegularSync(file, { maxBytes: 69_999 })).toThrow(/70000 bytes, more than the 69999 bytes/)
    expect(readRegularSync(file, { maxBytes: 70_000 }).length).toBe(70_000)
    // /proc/self/mountinfo says 0 bytes: only the read finds it too large.
    expect(() => readRegularSync('/proc/self/mountinfo', { maxBytes: 10 })).toThrow(FileReadError)
    expect(() => readRegularSync('/proc/self/mountinfo', { maxBytes: 10 })).toThrow(/larger than the 10 bytes/)
  })

  it('readRegularSyncIfPresent: undefined for nothing there, the same failures as readRegularSync otherwise', () => {
    expect(readRegularSyncIfPresent(path.join(dir, 'none'))).toBeUndefined()
    const file = path.join(dir, 'here')
    writeFileSync(file, 'x')
    expect(readRegularSyncIfPresent(file)?.toString()).toBe('x')
    expect(() => readRegularSyncIfPresent(path.join(file, 'under'))).toThrow(/is missing/)
    expect(() => readRegularSyncIfPresent(dir)).toThrow(/is a directory, not a regular file/)
  })
})
