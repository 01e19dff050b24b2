import { chmodSync, closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { imageDigests, RACY_MS } from '../../src/main/services/system/image-digests'
import { hashFile } from '../../src/main/services/spins/hash'
import { createHash } from 'node:crypto'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const SHA = 'ab'.repeat(32)

function setup(): { store: string; image: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-digests-'))
  dirs.push(dir)
  const state = path.join(dir, 'state')
  mkdirSync(state, { mode: 0o700 })
  const image = path.join(dir, 'image.iso')
  writeFileSync(image, Buffer.alloc(64 * 1024, 7))
  return { store: path.join(state, 'image-digests.json'), image, dir }
}

const stat = (file: string) => {
  const fd = openSync(file, 'r')
  try {
    return fstatSync(fd, { bigint: true })
  } finally {
    closeSync(fd)
  }
}

/** The wall-clock time `ms` after the file's last change: as if the hash began that much later. */
const after = (file: string, ms: number): number => Number(stat(file).ctimeNs / 1_000_000n) + ms

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

describe('image digests: a verified image is hashed once while it is unchanged', () => {
  it('keeps a digest taken after the racy window and finds it by the file identity', () => {
    const { store, image } = setup()
    const s = imageDigests(store)
    const st = stat(image)
    expect(s.remember(image, st, after(image, RACY_MS + 1), stat(image), SHA)).toBe(true)
    expect(s.lookup(stat(image))).toMatchObject({ sha256: SHA })
    // A second store (another process) reads the same file.
    expect(imageDigests(store).lookup(stat(image))?.sha256).toBe(SHA)
    expect(fstatSync(openSync(store, 'r')).mode & 0o777).toBe(0o600)
  })

  it('keeps nothing for a file changed within the racy window of the hash (timestamps are coarse)', () => {
    const { store, image } = setup()
    const s = imageDigests(store)
    const st = stat(image)
    expect(s.remember(image, st, after(image, RACY_MS - 500), stat(image), SHA)).toBe(false)
    // A ctime in the future (clock set back) is no better.
    expect(s.remember(image, st, after(image, -5000), stat(image), SHA)).toBe(false)
    expect(s.lookup(stat(image))).toBeUndefined()
  })

  it('keeps nothing when the file changed while it was hashed, and forgets a file changed since', () => {
    const { store, image } = setup()
    const s = imageDigests(store)
    const before = stat(image)
    // A later kernel tick than the file's creation, so the change moves its ctime.
    sleep(30)
    const fd = openSync(image, 'r+')
    writeSync(fd, Buffer.from('changed'), 0, 7, 4096)
    closeSync(fd)
    expect(s.remember(image, before, after(image, RACY_MS + 1), stat(image), SHA)).toBe(false)

    const now = stat(image)
    expect(s.remember(image, now, after(image, RACY_MS + 1), now, SHA)).toBe(true)
    sleep(30)
    // Same size, other bytes: only the change time tells.
    const fd2 = openSync(image, 'r+')
    writeSync(fd2, Buffer.from('CHANGED'), 0, 7, 4096)
    closeSync(fd2)
    expect(stat(image).size).toBe(now.size)
    expect(s.lookup(stat(image))).toBeUndefined()
    // A copy has the same bytes but another identity.
    const copy = image + '.copy'
    execFileSync('cp', ['--preserve=all', image, copy])
    expect(s.lookup(stat(copy))).toBeUndefined()
  })

  it('keeps only a lowercase SHA-256 hex digest', () => {
    const { store, image } = setup()
    const st = stat(image)
    for (const bad of ['AB'.repeat(32), 'ab'.repeat(31), 'zz'.repeat(32), '']) {
      expect(imageDigests(store).remember(image, st, after(image, RACY_MS + 1), st, bad)).toBe(false)
    }
  })

  it('keeps a read-back fingerprint with the digest of the same unchanged file, and only then', () => {
    const { store, image } = setup()
    const s = imageDigests(store)
    const st = stat(image)
    const TREE = '0f'.repeat(16)
    // No digest kept for this file yet: nothing to attach the fingerprint to.
    expect(s.keepTree(st, st, TREE)).toBe(false)
    expect(s.remember(image, st, after(image, RACY_MS + 1), st, SHA)).toBe(true)
    expect(s.lookup(stat(image))).toEqual({ sha256: SHA, at: expect.any(String) })
    // Only a 128-bit lowercase hex fingerprint, only for an identity unchanged between the two fstats.
    for (const bad of ['0F'.repeat(16), '0f'.repeat(15), '0f'.repeat(32), 'zz'.repeat(16)]) expect(s.keepTree(st, st, bad)).toBe(false)
    expect(s.keepTree(st, { ...st, ctimeNs: st.ctimeNs + 1n } as typeof st, TREE)).toBe(false)
    expect(s.lookup(stat(image))?.tree).toBeUndefined()
    expect(s.keepTree(st, st, TREE)).toBe(true)
    expect(imageDigests(store).lookup(stat(image))).toEqual({ sha256: SHA, at: expect.any(String), tree: TREE })
    // Both at once (a first write that hashed and compared), with the same rules.
    const other = setup()
    const ost = stat(other.image)
    expect(imageDigests(other.store).remember(other.image, ost, after(other.image, RACY_MS + 1), ost, SHA, 'nope')).toBe(false)
    expect(imageDigests(other.store).remember(other.image, ost, after(other.image, RACY_MS + 1), ost, SHA, TREE)).toBe(true)
    expect(imageDigests(other.store).lookup(stat(other.image))?.tree).toBe(TREE)
    // The file changes: the fingerprint goes with the digest.
    writeFileSync(other.image, Buffer.alloc(64 * 1024, 8))
    expect(imageDigests(other.store).lookup(stat(other.image))).toBeUndefined()
  })

  it('hashFile takes a kept digest only when asked to reuse it, and never blocks on a FIFO', async () => {
    const { store, image, dir } = setup()
    const s = imageDigests(store)
    const st = stat(image)
    expect(s.remember(image, st, after(image, RACY_MS + 1), st, SHA)).toBe(true)
    const real = createHash('sha256').update(readFileSync(image)).digest('hex')
    expect(await hashFile(image, 'sha256', { digests: s, reuse: true })).toBe(SHA)
    // Asked to read (hsc verify): the file's own bytes; a file changed just now keeps no digest.
    expect(await hashFile(image, 'sha256', { digests: s })).toBe(real)
    expect(s.lookup(stat(image))?.sha256).toBe(SHA)
    const fifo = path.join(dir, 'image.fifo')
    execFileSync('mkfifo', [fifo])
    await expect(hashFile(fifo, 'sha256', { digests: s, reuse: true })).rejects.toThrow(/is a FIFO \(named pipe\), not a regular file/)
  })

  describe('the store file is read like hostile input', () => {
    const planted = (content: string, mode = 0o600): { store: string; image: string } => {
      const { store, image } = setup()
      const st = stat(image)
      const id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
      writeFileSync(store, content.replaceAll('ID', id), { mode })
      chmodSync(store, mode)
      return { store, image }
    }
    const entry = `[{"id":"ID","sha256":"${SHA}","at":"2026-11-30T12:00:00.000Z"}]`

    it('a well-formed entry planted by this user is used (the control for the cases below)', () => {
      const { store, image } = planted(entry)
      expect(imageDigests(store).lookup(stat(image))?.sha256).toBe(SHA)
    })

    it('a file others may write, in a folder others may write, or owned by someone else is not believed', () => {
      const groupWritable = planted(entry, 0o620)
      expect(imageDigests(groupWritable.store).lookup(stat(groupWritable.image))).toBeUndefined()

      const openFolder = planted(entry)
      chmodSync(path.dirname(openFolder.store), 0o777)
      expect(imageDigests(openFolder.store).lookup(stat(openFolder.image))).toBeUndefined()

      const other = planted(entry)
      expect(imageDigests(other.store, { uid: (process.getuid?.() ?? 0) + 4242 }).lookup(stat(other.image))).toBeUndefined()

      // Nor is anything written into such a folder (a root run with a user's HOME writes nothing there).
      const st = stat(other.image)
      const when = after(other.image, RACY_MS + 1)
      const before = readFileSync(other.store, 'utf8')
      expect(imageDigests(other.store, { uid: (process.getuid?.() ?? 0) + 4242 }).remember(other.image, st, when, st, 'cd'.repeat(32))).toBe(false)
      expect(imageDigests(openFolder.store).remember(openFolder.image, stat(openFolder.image), when, stat(openFolder.image), 'cd'.repeat(32))).toBe(false)
      expect(readFileSync(other.store, 'utf8')).toBe(before)
      expect(readFileSync(openFolder.store, 'utf8')).not.toContain('cd'.repeat(32))
    })

    it('a symbolic link, a FIFO, garbage, malformed entries and an oversized file are ignored without hanging', () => {
      const link = setup()
      const real = path.join(link.dir, 'elsewhere.json')
      const st = stat(link.image)
      writeFileSync(real, `[{"id":"${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}","sha256":"${SHA}","at":"2026-11-30T12:00:00.000Z"}]`, {
        mode: 0o600
      })
      symlinkSync(real, link.store)
      expect(imageDigests(link.store).lookup(stat(link.image))).toBeUndefined()

      const fifo = setup()
      execFileSync('mkfifo', [fifo.store])
      expect(imageDigests(fifo.store).lookup(stat(fifo.image))).toBeUndefined()
      // Remembering replaces the FIFO with a regular file (rename), never writing through it.
      expect(imageDigests(fifo.store).remember(fifo.image, stat(fifo.image), after(fifo.image, RACY_MS + 1), stat(fifo.image), SHA)).toBe(true)
      expect(JSON.parse(readFileSync(fifo.store, 'utf8'))).toHaveLength(1)

      for (const text of [
        'not json',
        '{"id":"ID"}',
        `[{"id":"ID","sha256":"${SHA.toUpperCase()}","at":"2026-11-30T12:00:00.000Z"}]`,
        `[{"id":"ID","sha256":"${SHA}","at":"yesterday"}]`,
        `[{"id":"ID; rm -rf ~","sha256":"${SHA}","at":"2026-11-30T12:00:00.000Z"}]`,
        `[{"id":"ID","sha256":"${SHA}","at":"2026-11-30T12:00:00.000Z","tree":"not a fingerprint"}]`,
        `[{"id":"ID","sha256":"${SHA}","at":"2026-11-30T12:00:00.000Z","tree":7}]`,
        `[{"id":"ID","sha256":"${SHA}","at":"2026-11-30T12:00:00.000Z","pad":"${'x'.repeat(70 * 1024)}"}]`
      ]) {
        const p = planted(text)
        expect(imageDigests(p.store).lookup(stat(p.image))).toBeUndefined()
      }
    })

    it('a damaged file is replaced by the next digest kept, and at most 64 are kept', () => {
      const { store, image } = planted('garbage')
      const s = imageDigests(store)
      const st = stat(image)
      expect(s.remember(image, st, after(image, RACY_MS + 1), st, SHA)).toBe(true)
      expect(s.lookup(st)?.sha256).toBe(SHA)
      // Fake identities of other files push it out after 64 more.
      for (let i = 0; i < 64; i++) {
        const other = { ...st, ino: st.ino + BigInt(i + 1), isFile: () => true } as typeof st
        s.remember(image, other, after(image, RACY_MS + 1), other, 'cd'.repeat(32))
      }
      expect(JSON.parse(readFileSync(store, 'utf8'))).toHaveLength(64)
      expect(s.lookup(st)).toBeUndefined()
    })
  })
})
