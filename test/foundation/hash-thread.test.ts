import { createHash, randomFillSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { alignedBuffers } from '../../src/main/services/drives/aligned'
import { RingHasher, startHasher } from '../../src/main/services/system/hash-thread'

describe('off-thread hashing of shared aligned buffers', () => {
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

describe('off-thread hashing of chunks the caller reuses at once (RingHasher)', () => {
  const KiB = 1024

  /** Feeds `data` through one reused buffer in the given piece sizes, overwriting it right after each update. */
  async function feed(h: RingHasher, data: Buffer, sizes: number[]): Promise<{ waited: number; immediate: number }> {
    const scratch = Buffer.alloc(Math.max(...sizes))
    let waited = 0
    let immediate = 0
    let at = 0
    for (let i = 0; at < data.length; i++) {
      const n = Math.min(sizes[i % sizes.length], data.length - at)
      data.copy(scratch, 0, at, at + n)
      const wait = h.update(scratch.subarray(0, n))
      if (wait) {
        waited++
        await wait
      } else immediate++
      // What a socket does with its receive buffer: the next bytes land in it at once.
      scratch.fill(0xa5)
      at += n
    }
    return { waited, immediate }
  }

  it('hashes every byte in order, whatever the chunk sizes, while the caller reuses its buffer at once', async () => {
    const data = randomFillSync(Buffer.alloc(3 * 1024 * KiB + 17))
    // A small ring so the worker falls behind and update has to ask the caller to wait.
    const h = new RingHasher({ slots: 3, slotSize: 64 * KiB })
    try {
      const sizes = [0, 1, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 200 * KiB + 3, 4096, 7]
      const seen = await feed(h, data, sizes)
      expect(await h.digest()).toBe(createHash('sha256').update(data).digest('hex'))
      expect(seen.waited).toBeGreaterThan(0)
      expect(seen.immediate).toBeGreaterThan(0)
      // After a digest the next bytes are a new stream.
      await feed(h, data.subarray(0, 1000), [300])
      expect(await h.digest()).toBe(createHash('sha256').update(data.subarray(0, 1000)).digest('hex'))
    } finally {
      await h.close()
    }
  })

  it('takes the algorithm asked for, and reset drops what was hashed so far', async () => {
    const data = randomFillSync(Buffer.alloc(900 * KiB))
    const h = new RingHasher({ algorithm: 'sha512' })
    try {
      await feed(h, randomFillSync(Buffer.alloc(700 * KiB)), [512 * KiB])
      h.reset()
      await feed(h, data, [128 * KiB])
      expect(await h.digest()).toBe(createHash('sha512').update(data).digest('hex'))
    } finally {
      await h.close()
    }
  })

  it('once closed, updates and the digest reject with a HashError instead of hanging', async () => {
    const h = new RingHasher({ slots: 2, slotSize: 4 * KiB })
    await h.close()
    const chunk = Buffer.alloc(4 * KiB, 1)
    // The copies themselves go through; the closed thread surfaces when a slot is needed again.
    let failure: unknown
    for (let i = 0; i < 4 && failure === undefined; i++) failure = await h.update(chunk)?.catch((e: unknown) => e)
    expect(failure).toMatchObject({ name: 'HashError', message: expect.stringMatching(/closed/) })
    await expect(h.digest()).rejects.toMatchObject({ name: 'HashError' })
    await h.close()
  })
})
