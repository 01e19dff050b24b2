import { createHash, randomFillSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { alignedBuffers } from '../../src/main/services/drives/aligned'
import { startHasher } from '../../src/main/services/drives/hasher'

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
