// The drive-io addon (native/usocket/src/drive_io.c): zero-copy writes (drives/splice-body.ts),
// the read-back comparison and the read-back hashes on pool threads (drives/verify.ts), with the
// real addon and real files as drives; xxHash's own xxhsum checks the XXH3-128 it computes. The loop-device cases (O_DIRECT, a drive removed or an image shrinking
// mid-write, cancel, a flipped byte found on read-back) are in write.test.ts.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { DriveIoError } from '../../src/main/services/drives/errors'
import { MiB, writeImage, type WriteEvent } from '../../src/main/services/drives/pipeline'
import { loadDriveIo, type CompareAt, type CompareResult, type DriveIo, type HashAt, type SpliceCopy } from '../../src/main/services/drives/drive-io'
import { compareWithImage, type ReadBackMethod } from '../../src/main/services/drives/verify'
import { LEAF, treeOf } from '../../src/main/services/system/fingerprint'
import { imageDigests, RACY_MS } from '../../src/main/services/system/image-digests'
import { hashFile } from '../../src/main/services/spins/hash'
import { openFileReader } from '../../src/main/services/drives/source'
import { spliceRange } from '../../src/main/services/drives/splice-body'
import { tmpDir } from './support'

let dir: string
beforeAll(() => {
  dir = tmpDir('hsc-splice-')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, name)
  writeFileSync(p, bytes)
  return p
}

/** A target file of `size` bytes filled with 0xaa, so bytes nobody wrote stand out. */
function target(name: string, size: number): { path: string; fd: number } {
  const p = file(name, Buffer.alloc(size, 0xaa))
  return { path: p, fd: openSync(p, 'r+') }
}

async function write(image: string, t: { fd: number }, size: number, extra: Partial<Parameters<typeof writeImage>[0]> = {}): Promise<WriteEvent[]> {
  const events: WriteEvent[] = []
  const r = await writeImage({
    imagePath: image,
    targets: [{ id: 't', device: '/dev/test', fd: t.fd, size, blockSize: 512 }],
    signal: new AbortController().signal,
    hash: false,
    chunkSize: 256 * 1024,
    onWrite: (ev) => events.push(ev),
    ...extra
  })
  expect([...r.failures.values()]).toEqual([])
  return events
}

describe('the drive-io addon', () => {
  it('is built with the socket addon and loads', () => {
    const require = createRequire(import.meta.url)
    expect(require.resolve('usocket/drive-io.js')).toMatch(/native[/\\]usocket[/\\]drive-io\.js$/)
    expect(loadDriveIo()?.spliceCopy).toBeTypeOf('function')
    expect(loadDriveIo()?.compareAt).toBeTypeOf('function')
  })

  it('copies a range at its offsets, says how far it got at the end of the input, and names errno failures', async () => {
    const copy = loadDriveIo()?.spliceCopy as SpliceCopy
    const src = randomBytes(3 * MiB + 100)
    const inFd = openSync(file('src.bin', src), 'r')
    const out = target('out.bin', 4 * MiB)
    try {
      expect(await copy(inFd, out.fd, 4096, 8192, 2 * MiB + 1, 64 * 1024)).toBe(2 * MiB + 1)
      const got = readFileSync(out.path)
      expect(got.subarray(8192, 8192 + 2 * MiB + 1).equals(src.subarray(4096, 4096 + 2 * MiB + 1))).toBe(true)
      expect(got.subarray(0, 8192).every((b) => b === 0xaa)).toBe(true)
      // Past the input's end: the count is short, nothing fails.
      expect(await copy(inFd, out.fd, 3 * MiB, 0, MiB, MiB)).toBe(100)
      // The output side refuses (opened read-only): an errno error with the side and bytes copied.
      const readOnly = openSync(out.path, 'r')
      const err = (await copy(inFd, readOnly, 0, 0, 4096, 0).catch((e: unknown) => e)) as NodeJS.ErrnoException & { copied: number }
      closeSync(readOnly)
      expect(err).toMatchObject({ code: 'EBADF', syscall: 'splice (write)', copied: 0 })
      await expect(copy(-1, out.fd, 0, 0, 1, 0)).rejects.toThrow(/non-negative integers/)
    } finally {
      closeSync(inFd)
      closeSync(out.fd)
    }
  })
})

/** compareAt's answer for an equal range. */
const EQUAL = { driveEnd: -1, firstDifference: -1, imageEnd: -1, stopped: false }

describe('compareAt: a range of the drive against the image, on a pool thread', () => {
  it('finds the first differing byte, says how much each side held, and names the side that failed and where', async () => {
    const compareAt = loadDriveIo()?.compareAt as CompareAt
    const bytes = randomBytes(2 * MiB)
    const img = file('cmp-image.bin', bytes.subarray(0, MiB + 300))
    const changed = Buffer.from(bytes)
    changed[MiB + 5] ^= 0x01
    const drv = file('cmp-drive.bin', changed)
    const imgFd = openSync(img, 'r')
    const drvFd = openSync(drv, 'r')
    const plainFd = openSync(file('cmp-plain.bin', bytes), 'r')
    const shortFd = openSync(file('cmp-short.bin', changed.subarray(0, MiB + 100)), 'r')
    const a = Buffer.alloc(MiB)
    const b = Buffer.alloc(MiB)
    try {
      expect(await compareAt(drvFd, a, imgFd, b, 0, MiB, MiB, MiB)).toEqual(EQUAL)
      expect(await compareAt(drvFd, a, imgFd, b, MiB, 4096, 4096, MiB)).toEqual({ ...EQUAL, firstDifference: 5 })
      expect(await compareAt(drvFd, a, imgFd, b, 2 * MiB - 100, 512, 512, MiB)).toEqual({ ...EQUAL, driveEnd: 100 })
      // Several steps in one call: counted from the range's start, ending at the first step with an event.
      const step = 256 * 1024
      expect(await compareAt(drvFd, a, imgFd, b, 0, MiB, MiB, step)).toEqual(EQUAL)
      // The flip is in the fourth step, before the image ends there: the fifth step is never read.
      expect(await compareAt(drvFd, a, imgFd, b, 4096, MiB + 4096, MiB + 4096, step)).toEqual({ ...EQUAL, firstDifference: MiB + 5 - 4096 })
      // Equal until the image ends in the second step: that is the answer.
      expect(await compareAt(plainFd, a, imgFd, b, MiB - step, 2 * step, 2 * step, step)).toEqual({ ...EQUAL, imageEnd: step + 300 })
      // Both sides end after three steps (the drive compared with itself): the drive's end comes first.
      expect(await compareAt(drvFd, a, drvFd, b, MiB + step, MiB, MiB, step)).toEqual({ ...EQUAL, driveEnd: MiB - step })
      // The drive ends in the step where a byte differs: a drive that ended is not a mismatch.
      expect(await compareAt(shortFd, a, plainFd, b, MiB, 4096, 4096, MiB)).toEqual({ ...EQUAL, driveEnd: 100 })
      const writeOnly = openSync(drv, 'a')
      await expect(compareAt(writeOnly, a, imgFd, b, 0, 512, 512, MiB)).rejects.toMatchObject({ code: 'EBADF', syscall: 'pread (drive)', offset: 0 })
      closeSync(writeOnly)
      const dirFd = openSync(dir, 'r')
      await expect(compareAt(drvFd, a, dirFd, b, 2 * step, 2 * step, 2 * step, step)).rejects.toMatchObject({
        code: 'EISDIR',
        syscall: 'pread (image)',
        offset: 2 * step
      })
      closeSync(dirFd)
      await expect(compareAt(drvFd, a, imgFd, b, 0, MiB + 1, MiB + 1, MiB + 1)).rejects.toThrow(/within each buffer/)
      // A stop flag already set: the call ends before its first step, reading nothing (this drive descriptor cannot be read).
      const stop = new Int32Array(1)
      Atomics.store(stop, 0, 1)
      const writeOnlyToo = openSync(drv, 'a')
      expect(await compareAt(writeOnlyToo, a, imgFd, b, 0, MiB, MiB, step, stop)).toEqual({ ...EQUAL, stopped: true })
      closeSync(writeOnlyToo)
      await expect(compareAt(drvFd, a, imgFd, b, 0, 512, 512, 512, new Int8Array(4) as unknown as Int32Array)).rejects.toThrow(/stop an Int32Array or null/)
      // The last step would read past the drive buffer.
      await expect(compareAt(drvFd, a, imgFd, b, 0, MiB, 2 * MiB, step)).rejects.toThrow(/last step's read within a step/)
    } finally {
      for (const fd of [imgFd, drvFd, plainFd, shortFd]) closeSync(fd)
    }
  })

  it('compareWithImage answers the same on the pool and in JavaScript: equal, a flipped byte, an image that ends early', async () => {
    const bytes = randomBytes(5 * MiB + 777)
    const img = file('cwi-image.bin', bytes)
    const flipped = Buffer.from(bytes)
    flipped[3 * MiB + 12345] ^= 0x80
    // In the second step of a pool call: the steps after it are never compared.
    const flippedEarly = Buffer.from(bytes)
    flippedEarly[MiB + 7] ^= 0x01
    const cases = {
      equal: file('cwi-equal.bin', bytes),
      flipped: file('cwi-flipped.bin', flipped),
      flippedEarly: file('cwi-flipped-early.bin', flippedEarly),
      longer: file('cwi-longer.bin', Buffer.concat([bytes, randomBytes(4096)]))
    }
    // On the pool four 1 MiB steps per call (the default) or one, or in JavaScript.
    const answers = async (drive: string, imageSize: number, pool: 'span' | 'step' | false): Promise<number | undefined> => {
      const fd = openSync(drive, 'r')
      const reader = await openFileReader(img)
      try {
        const source = pool ? reader : { ...reader, fd: undefined }
        const poolSpan = pool === 'step' ? MiB : undefined
        return await compareWithImage({ fd, device: drive, imageSize, blockSize: 512, signal: new AbortController().signal, imagePath: img, source, poolSpan })
      } finally {
        closeSync(fd)
        await reader.close()
      }
    }
    for (const pool of ['span', 'step', false] as const) {
      expect(await answers(cases.equal, bytes.length, pool)).toBeUndefined()
      expect(await answers(cases.flipped, bytes.length, pool)).toBe(3 * MiB + 12345)
      expect(await answers(cases.flippedEarly, bytes.length, pool)).toBe(MiB + 7)
      // The image is shorter than the length compared (it changed): the difference is where it ended.
      expect(await answers(cases.longer, bytes.length + 100, pool)).toBe(bytes.length)
      // The drive ends before the image: it was removed or changed size.
      await expect(answers(cases.equal, bytes.length + 4096, pool)).rejects.toMatchObject({ name: 'DriveRemoved', offset: bytes.length })
    }
  })
})

describe('compareWithImage on the pool: cancel', () => {
  it('a cancel ends the read-back as Cancelled, stops the queued calls at their next step and queues no other', async () => {
    const real = loadDriveIo()?.compareAt as CompareAt
    const bytes = randomBytes(96 * MiB)
    const img = file('cancel-cmp.img', bytes)
    const fd = openSync(file('cancel-cmp-drive.bin', bytes), 'r')
    const reader = await openFileReader(img)
    const ac = new AbortController()
    const answers: CompareResult[] = []
    const compareAt: CompareAt = (...args) => real(...args).then((r) => (answers.push(r), r))
    try {
      // Four calls of 16 MiB (1 MiB steps) are queued at once; the cancel comes while they read.
      const reading = compareWithImage({
        fd,
        device: '/dev/test',
        imageSize: bytes.length,
        blockSize: 512,
        signal: ac.signal,
        imagePath: img,
        source: reader,
        compareAt,
        poolSpan: 16 * MiB
      })
      ac.abort()
      expect(await reading.catch((e: unknown) => e)).toMatchObject({ name: 'Cancelled', stage: 'verify' })
      expect(answers.length).toBeLessThanOrEqual(4)
      expect(answers.some((r) => r.stopped)).toBe(true)
    } finally {
      closeSync(fd)
      await reader.close()
    }
  })
})

describe('spliceRange: which side failed', () => {
  it('the drive: an I/O error at the byte it reached; the image: a read error; a short image: it changed', async () => {
    const copy = loadDriveIo()?.spliceCopy as SpliceCopy
    const img = file('range.img', randomBytes(MiB))
    const imgFd = openSync(img, 'r')
    const out = target('range-out.bin', 2 * MiB)
    const readOnly = openSync(out.path, 'r')
    const dirFd = openSync(dir, 'r')
    try {
      const drive = await spliceRange(copy, { fd: imgFd, path: img }, { fd: readOnly, device: '/dev/sdz' }, 4096, 8192).catch((e: unknown) => e)
      expect(drive).toBeInstanceOf(DriveIoError)
      expect(drive).toMatchObject({ name: 'DriveRemoved', offset: 4096, stage: 'write' })
      const unreadable = await spliceRange(copy, { fd: dirFd, path: dir }, { fd: out.fd, device: '/dev/sdz' }, 0, 4096).catch((e: unknown) => e)
      expect(unreadable).toBeInstanceOf(AppError)
      expect(unreadable).not.toBeInstanceOf(DriveIoError)
      expect(unreadable).toMatchObject({ name: 'ImageReadError', stage: 'read image' })
      expect((unreadable as Error).message).toContain(`Cannot read the image ${dir} at byte 0`)
      const short = await spliceRange(copy, { fd: imgFd, path: img }, { fd: out.fd, device: '/dev/sdz' }, MiB - 4096, 8192).catch((e: unknown) => e)
      expect(short).toMatchObject({ name: 'ImageReadError', message: expect.stringMatching(/ended at byte 1048576, .*changed during the write/) })
    } finally {
      for (const fd of [imgFd, out.fd, readOnly, dirFd]) closeSync(fd)
    }
  })
})

describe('writeImage without buffers', () => {
  it('writes the same bytes as through buffers: data spliced, the tail under 4 KiB padded, the first MiB last', async () => {
    const size = 5 * MiB + 4096 + 1234
    const img = file('odd.img', randomBytes(size))
    const spliced = target('spliced.bin', 8 * MiB)
    const buffered = target('buffered.bin', 8 * MiB)
    const ev = await write(img, spliced, 8 * MiB)
    const evBuffered = await write(img, buffered, 8 * MiB, { zeroCopy: false })
    closeSync(spliced.fd)
    closeSync(buffered.fd)
    const a = readFileSync(spliced.path)
    expect(a.equals(readFileSync(buffered.path))).toBe(true)
    expect(a.subarray(0, size).equals(readFileSync(img))).toBe(true)
    // Padded to the 512-byte block with zeros; beyond that, untouched.
    expect(a.subarray(size, 5 * MiB + 4096 + 1536).every((b) => b === 0)).toBe(true)
    expect(a[5 * MiB + 4096 + 1536]).toBe(0xaa)

    // Several writes are in flight, so they finish in any order: taken by offset.
    const data = ev.filter((e) => e.kind === 'data' && e.phase === 'done').sort((x, y) => (x.offset ?? 0) - (y.offset ?? 0))
    // 4 MiB + 4 KiB of whole blocks after the head in 256 KiB chunks (the last 4 KiB), then the tail.
    expect(data.map((e) => e.zeroCopy)).toEqual([...Array(17).fill(true), false])
    expect(data.at(-1)).toMatchObject({ offset: 5 * MiB + 4096, length: 1536 })
    expect(ev[0]).toMatchObject({ kind: 'wipe', phase: 'start' })
    expect(ev.at(-1)).toMatchObject({ kind: 'head', phase: 'done' })
    expect(evBuffered.filter((e) => e.kind === 'data').every((e) => e.zeroCopy === false)).toBe(true)
  })

  it('takes the buffers when the kernel refuses splice for these files (stand-in: a spliceCopy that fails EINVAL, as without splice support)', async () => {
    const img = file('refused.img', randomBytes(3 * MiB))
    const t = target('refused-out.bin', 4 * MiB)
    let calls = 0
    const refuses: SpliceCopy = () => {
      calls++
      return Promise.reject(Object.assign(new Error('splice (write): Invalid argument'), { code: 'EINVAL', syscall: 'splice (write)', copied: 0 }))
    }
    const ev = await write(img, t, 4 * MiB, { spliceCopy: refuses })
    closeSync(t.fd)
    expect(calls).toBe(1)
    expect(ev.filter((e) => e.kind === 'data').every((e) => e.zeroCopy === false)).toBe(true)
    expect(
      readFileSync(t.path)
        .subarray(0, 3 * MiB)
        .equals(readFileSync(img))
    ).toBe(true)
  })

  it('an image that shrinks while it is spliced fails as an image read error where it ended, and the head is never written', async () => {
    const img = file('shrinks.img', randomBytes(8 * MiB))
    const t = target('shrinks-out.bin', 8 * MiB)
    const events: WriteEvent[] = []
    const r = await writeImage({
      imagePath: img,
      targets: [{ id: 't', device: '/dev/test', fd: t.fd, size: 8 * MiB, blockSize: 512 }],
      signal: new AbortController().signal,
      hash: false,
      chunkSize: 256 * 1024,
      writesInFlight: 1,
      onWrite: (ev) => {
        events.push(ev)
        if (ev.kind === 'data' && ev.phase === 'done' && ev.offset === 2 * MiB) truncateSync(img, 3 * MiB)
      }
    }).catch((e: unknown) => e)
    closeSync(t.fd)
    expect(r).toMatchObject({ name: 'ImageReadError', message: expect.stringMatching(/ended at byte 3145728/) })
    expect(events.some((e) => e.kind === 'head')).toBe(false)
    expect(
      readFileSync(t.path)
        .subarray(0, MiB)
        .every((b) => b === 0)
    ).toBe(true)
  })

  it('cancel stops a spliced write between chunks with the offset it reached', async () => {
    const img = file('cancel.img', randomBytes(8 * MiB))
    const t = target('cancel-out.bin', 8 * MiB)
    const ac = new AbortController()
    const r = await writeImage({
      imagePath: img,
      targets: [{ id: 't', device: '/dev/test', fd: t.fd, size: 8 * MiB, blockSize: 512 }],
      signal: ac.signal,
      hash: false,
      chunkSize: 256 * 1024,
      writesInFlight: 1,
      onWrite: (ev) => {
        if (ev.kind === 'data' && ev.phase === 'done' && ev.offset === 3 * MiB) ac.abort()
      }
    })
    closeSync(t.fd)
    const failure = r.failures.get('t')
    expect(failure).toMatchObject({ name: 'Cancelled', stage: 'write' })
    // Cancelled from inside the observer of the chunk at 3 MiB: the offset never claims more than is known written.
    expect(failure?.offset).toBe(3 * MiB)
    const out = readFileSync(t.path)
    expect(out.subarray(0, MiB).every((b) => b === 0)).toBe(true)
    expect(out[7 * MiB]).toBe(0xaa)
  })
})

/** xxHash's reference tool on a file: XXH3-128, canonical hex (apt package xxhash). */
function xxhsum(p: string): string {
  return execFileSync('xxhsum', ['-H2', p], { encoding: 'utf8' }).split(/\s+/)[0]
}
const noXxhsum = (() => {
  try {
    execFileSync('xxhsum', ['--version'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'xxhsum is not installed (apt-get install xxhash)'
  }
})()

describe.skipIf(noXxhsum !== undefined)(`read-back hashes: XXH3-128 as xxHash computes it${noXxhsum ? ` (skipped: ${noXxhsum})` : ''}`, () => {
  const io = (): DriveIo => loadDriveIo() as DriveIo
  type Check = Partial<Pick<Parameters<typeof compareWithImage>[0], 'tree' | 'fingerprint' | 'compareAt' | 'hashAt'>>
  /** Reads `drive` back against the image file `img` of `size` bytes: the first differing byte, and how it was found equal. */
  const readBack = async (drive: string, img: string, size: number, extra: Check): Promise<{ at?: number; by?: ReadBackMethod; tree?: string }> => {
    const fd = openSync(drive, 'r')
    const source = await openFileReader(img)
    const seen: { by?: ReadBackMethod; tree?: string } = {}
    try {
      const at = await compareWithImage({
        fd,
        device: drive,
        imageSize: size,
        blockSize: 512,
        signal: new AbortController().signal,
        imagePath: img,
        source,
        onEqual: (by, tree) => Object.assign(seen, { by, tree }),
        ...extra
      })
      return { at, ...seen }
    } finally {
      closeSync(fd)
      await source.close()
    }
  }
  /** What xxhsum says of each `leaf` bytes of `bytes`. */
  const leavesBy = (bytes: Buffer, leaf: number): string => {
    const out: string[] = []
    for (let at = 0; at < bytes.length; at += leaf) out.push(xxhsum(file(`leaf-${at}.bin`, bytes.subarray(at, at + leaf))))
    return out.join('')
  }

  it('xxh3 with seed 0, hashAt and compareAt give the leaves xxhsum gives, the last one short', async () => {
    const bytes = randomBytes(3 * MiB + 1234)
    const p = file('leaves.bin', bytes)
    expect(io().xxh3(bytes, 0).toString('hex')).toBe(xxhsum(p))
    expect(io().xxh3(Buffer.alloc(0), 0).toString('hex')).toBe(xxhsum(file('empty.bin', Buffer.alloc(0))))
    // A seed changes the hash: the fingerprint binds the image's length that way.
    expect(io().xxh3(bytes, bytes.length).equals(io().xxh3(bytes, 0))).toBe(false)
    const want = leavesBy(bytes, 512 * 1024)

    const fd = openSync(p, 'r')
    const imgFd = openSync(p, 'r')
    try {
      // hashAt: the whole range in one read, one hash per leaf.
      const buf = Buffer.alloc(4 * MiB)
      const leaves = Buffer.alloc(16 * 7)
      expect(await io().hashAt(fd, buf, 0, bytes.length, bytes.length, 512 * 1024, undefined, leaves)).toEqual(EQUAL)
      expect(leaves.toString('hex')).toBe(want)
      // A range further in: its leaves start at the range.
      const part = Buffer.alloc(16 * 2)
      expect(await io().hashAt(fd, buf, MiB, 600 * 1024, 600 * 1024, 512 * 1024, undefined, part)).toEqual(EQUAL)
      expect(part.toString('hex')).toBe(leavesBy(bytes.subarray(MiB, MiB + 600 * 1024), 512 * 1024))
      // compareAt: the image's leaves, one per step, while it compares.
      const cmpLeaves = Buffer.alloc(16 * 7)
      const b = Buffer.alloc(512 * 1024)
      const a = Buffer.alloc(512 * 1024)
      expect(await io().compareAt(fd, a, imgFd, b, 0, bytes.length, bytes.length, 512 * 1024, undefined, cmpLeaves)).toEqual(EQUAL)
      expect(cmpLeaves.toString('hex')).toBe(want)
    } finally {
      closeSync(fd)
      closeSync(imgFd)
    }
  })

  it('hashAt says where a drive ends short, stops when asked, and refuses a leaves buffer too small', async () => {
    const p = file('short-drive.bin', randomBytes(MiB))
    const fd = openSync(p, 'r')
    try {
      const buf = Buffer.alloc(4 * MiB)
      const leaves = Buffer.alloc(16 * 4)
      expect(await io().hashAt(fd, buf, 0, 2 * MiB, 2 * MiB, MiB, undefined, leaves)).toEqual({ ...EQUAL, driveEnd: MiB })
      const stop = new Int32Array([1])
      expect(await io().hashAt(fd, buf, 0, MiB, MiB, MiB, stop, leaves)).toEqual({ ...EQUAL, stopped: true })
      await expect(io().hashAt(fd, buf, 0, 2 * MiB, 2 * MiB, 512 * 1024, undefined, Buffer.alloc(16 * 3))).rejects.toThrow(/16 bytes per leaf/)
      // The read must fit the buffer.
      await expect(io().hashAt(fd, buf, 0, MiB, 8 * MiB, MiB, undefined, leaves)).rejects.toThrow(/readLength <= the buffer's size/)
      const dirFd = openSync(dir, 'r')
      try {
        await expect(io().hashAt(dirFd, buf, 4096, MiB, MiB, MiB, undefined, leaves)).rejects.toMatchObject({ syscall: 'pread (drive)', offset: 4096 })
      } finally {
        closeSync(dirFd)
      }
    } finally {
      closeSync(fd)
    }
  })

  it('hsc verify keeps the fingerprint that a read-back of a drive holding the image reproduces', async () => {
    const bytes = randomBytes(2 * MiB + 5)
    const img = file('verify-fp.iso', bytes)
    const drive = file('verify-fp-drive.bin', Buffer.concat([bytes, randomBytes(4096)]))
    const store = path.join(dir, 'verify-fp-state', 'image-digests.json')
    // Digests are kept only for a file whose last change is older than the racy window.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RACY_MS + 100)
    const digests = imageDigests(store)
    const sha = await hashFile(img, 'sha256', { digests })
    const fd = openSync(img, 'r')
    const kept = digests.lookup(fstatSync(fd, { bigint: true }))
    closeSync(fd)
    expect(kept).toMatchObject({ sha256: sha, tree: expect.stringMatching(/^[0-9a-f]{32}$/) })
    // Leaf by leaf as xxhsum sees them.
    expect(kept?.tree).toBe(treeOf(io().xxh3, Buffer.from(leavesBy(bytes, LEAF), 'hex'), bytes.length))
    expect(await readBack(drive, img, bytes.length, { tree: kept?.tree })).toEqual({ at: undefined, by: 'fingerprint' })
  })

  it('compareWithImage: a comparison takes the fingerprint; with it kept, the drive alone is read and a difference is still found exactly', async () => {
    const bytes = randomBytes(9 * MiB + 4321)
    const img = file('fp-image.bin', bytes)
    const flipped = Buffer.from(bytes)
    flipped[6 * MiB + 99] ^= 0x04
    const drives = { equal: file('fp-equal.bin', bytes), flipped: file('fp-flipped.bin', flipped) }
    const calls = { compare: 0, hash: 0 }
    const compareAt: CompareAt = (...args) => (calls.compare++, io().compareAt(...args))
    const hashAt: HashAt = (...args) => (calls.hash++, io().hashAt(...args))
    const check = (drive: string, extra: Check): ReturnType<typeof readBack> => readBack(drive, img, bytes.length, { compareAt, hashAt, ...extra })

    // The fingerprint is XXH3-128 over the 256 KiB leaves, seeded with the length.
    const expected = treeOf(io().xxh3, Buffer.from(leavesBy(bytes, LEAF), 'hex'), bytes.length)
    const first = await check(drives.equal, { fingerprint: true })
    expect(first).toEqual({ at: undefined, by: 'comparison', tree: expected })
    // Not asked for: none taken.
    expect(await check(drives.equal, {})).toEqual({ at: undefined, by: 'comparison', tree: undefined })

    calls.compare = calls.hash = 0
    expect(await check(drives.equal, { tree: expected })).toEqual({ at: undefined, by: 'fingerprint' })
    expect(calls).toEqual({ compare: 0, hash: 3 })

    // The drive differs: its hash does not match, and the comparison names the first differing byte.
    calls.compare = calls.hash = 0
    expect(await check(drives.flipped, { tree: expected })).toEqual({ at: 6 * MiB + 99 })
    expect(calls.hash).toBe(3)
    expect(calls.compare).toBeGreaterThan(0)
    // No fingerprint is taken from a drive that differs.
    expect(await check(drives.flipped, { fingerprint: true })).toEqual({ at: 6 * MiB + 99 })

    // A kept fingerprint that is not this file's (it changed without its dates changing): the
    // drive equals the file as it is now, but not what was verified, so nothing is called equal.
    const other = treeOf(io().xxh3, Buffer.alloc(16 * 10), bytes.length)
    await expect(check(drives.equal, { tree: other })).rejects.toMatchObject({ name: 'ImageReadError', stage: 'verify' })
  })
})
