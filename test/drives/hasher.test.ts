import { createHash, randomBytes, randomFillSync } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { alignedBuffers } from '../../src/main/services/drives/aligned'
import { hashFileOffThread, startHasher } from '../../src/main/services/drives/hasher'

describe('off-thread SHA-256 of shared aligned buffers', () => {
  it('hashes chunks in the order given, reading them in place, and can start over after a digest', async () => {
    const bufs = alignedBuffers(3, 256 * 1024, { shared: true })
    for (const b of bufs) randomFillSync(b)
    const lengths = [256 * 1024, 1000, 4096]
    const h = startHasher()
    try {
      // Order matters: hand over 2, 0, 1 and compare with the same order hashed here.
      const order = [2, 0, 1]
      await Promise.all(order.map((i) => h.update(bufs[i].subarray(0, lengths[i]))))
      const want = createHash('sha256')
      for (const i of order) want.update(bufs[i].subarray(0, lengths[i]))
      expect(await h.digest()).toBe(want.digest('hex'))
      // The buffers are reused after update resolves: the second stream sees the new bytes.
      bufs[0].fill(7)
      await h.update(bufs[0])
      expect(await h.digest()).toBe(createHash('sha256').update(bufs[0]).digest('hex'))
    } finally {
      await h.close()
    }
  })

  it('refuses a chunk outside shared memory instead of copying it', async () => {
    const h = startHasher()
    try {
      await expect(h.update(Buffer.alloc(16))).rejects.toThrow(/shared memory/)
    } finally {
      await h.close()
    }
  })

  it('rejects pending work once closed, so no caller waits forever', async () => {
    const [b] = alignedBuffers(1, 64 * 1024 * 1024, { shared: true })
    const h = startHasher()
    const pending = expect(h.update(b)).rejects.toThrow(/closed/)
    const digest = expect(h.digest()).rejects.toThrow(/closed/)
    await h.close()
    await pending
    await digest
    await expect(h.update(b)).rejects.toThrow(/closed/)
  })

  it('the in-thread fallback gives the same digest', async () => {
    const [b] = alignedBuffers(1, 100_000)
    randomFillSync(b)
    const h = startHasher(false)
    await h.update(b)
    expect(await h.digest()).toBe(createHash('sha256').update(b).digest('hex'))
  })
})

describe('off-thread SHA-256 of an open file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hsc-filehash-'))
  const file = path.join(dir, 'image.bin')
  const bytes = randomBytes(3 * 1024 * 1024 + 12345)
  writeFileSync(file, bytes)

  it('hashes the first `size` bytes of the descriptor, in chunks that do not divide it', async () => {
    const fd = openSync(file, 'r')
    try {
      const whole = hashFileOffThread(fd, bytes.length, 256 * 1024)
      expect(await whole.digest).toBe(createHash('sha256').update(bytes).digest('hex'))
      const part = hashFileOffThread(fd, 1_000_000, 300_000)
      expect(await part.digest).toBe(createHash('sha256').update(bytes.subarray(0, 1_000_000)).digest('hex'))
      await Promise.all([whole.close(), part.close()])
    } finally {
      closeSync(fd)
    }
  })

  it('a file shorter than the size it had is an error naming where it ended, not a digest', async () => {
    const fd = openSync(file, 'r')
    try {
      const h = hashFileOffThread(fd, bytes.length + 4096)
      await expect(h.digest).rejects.toThrow(`the image ended at byte ${bytes.length}`)
      await h.close()
    } finally {
      closeSync(fd)
    }
  })

  it('close stops the thread and the digest rejects', async () => {
    const fd = openSync(file, 'r')
    try {
      const h = hashFileOffThread(fd, bytes.length, 4096)
      await h.close()
      await expect(h.digest).rejects.toThrow(/closed|stopped/)
      await h.close()
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
