import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DrivesService, type DrivesServiceOptions } from '../../src/main/services/drives/service'
import { inspectImage, openImageReader, sniffCompression } from '../../src/main/services/drives/source'
import { createRootFs } from '../../src/main/services/system/rootfs'
import type { WriteJob } from '../../src/shared/contract/drives'
import { cmpPrefix, loopDelete, loopSetup, readHead, sha256File, tmpDir, udisksSkipReason } from './support'

const MiB = 1024 * 1024
const skip = await udisksSkipReason()
const tools = ['xz', 'zstd', 'gzip'].filter((t) => spawnSync(t, ['--version']).status !== 0)
const noTools = tools.length ? `${tools.join(', ')} not installed (apt-get install xz-utils zstd gzip)` : undefined
const loops: string[] = []
const services: DrivesService[] = []
let dir = ''
let img = ''
let imgSha = ''

/** An image that compresses like a real one: random blocks between runs of zeros. */
function makeImage(file: string, mib: number): void {
  const buf = Buffer.alloc(mib * MiB)
  for (let off = 0; off < buf.length; off += MiB) randomBytes(256 * 1024).copy(buf, off + 64 * 1024)
  buf.write('HSC compressed image test', 0x8000)
  writeFileSync(file, buf)
}

/** `tool -c FILE > FILE.ext`, or from stdin when `stdin` (zstd then records no content size). */
const made = new Map<string, Buffer>()
function compress(tool: string, ext: string, opts: { stdin?: boolean; name?: string } = {}): string {
  const out = path.join(dir, opts.name ?? `image.iso.${ext}`)
  // Compressed once per kind (xz is slow on a busy machine); each test gets its own copy.
  const key = `${tool} ${opts.stdin === true}`
  const cached = made.get(key)
  if (cached) {
    writeFileSync(out, cached)
    return out
  }
  const data = opts.stdin
    ? execFileSync(tool, ['-c', '-q'], { input: readFileSync(img), maxBuffer: 256 * MiB })
    : execFileSync(tool, ['-c', '-q', img], { maxBuffer: 256 * MiB })
  made.set(key, data)
  writeFileSync(out, data)
  return out
}

function service(extra: Partial<DrivesServiceOptions> = {}): DrivesService {
  const s = new DrivesService({ fs: createRootFs('/'), env: process.env, allowLoop: true, idleMs: 0, ...extra })
  services.push(s)
  return s
}

function newLoop(name: string, bytes: number): string {
  const dev = loopSetup(path.join(dir, name), bytes)
  loops.push(dev)
  return dev
}

async function write(s: DrivesService, image: string, dev: string, extra: { expectedSha256?: string; verify?: boolean } = {}): Promise<WriteJob> {
  const token = (await s.list()).drives.find((d) => d.device === dev)?.token ?? 'not-listed'
  const started = await s.write({
    image,
    targets: [{ device: dev, token }],
    verify: extra.verify ?? true,
    expectedSha256: extra.expectedSha256,
    allowUnverified: !extra.expectedSha256,
    after: 'none'
  })
  return s.wait(started.jobId)
}

beforeAll(() => {
  if (noTools) return
  dir = tmpDir('hsc-compressed-')
  img = path.join(dir, 'image.iso')
  makeImage(img, 20)
  imgSha = sha256File(img)
})

afterAll(async () => {
  for (const s of services) await s.close()
  for (const l of loops) loopDelete(l)
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!!noTools)(`compressed images: sizes from the container (real xz, zstd, gzip)${noTools ? ` — skipped: ${noTools}` : ''}`, () => {
  it('recognises the container by content and reads the decompressed size from the xz index and the zstd frame header', async () => {
    const xz = compress('xz', 'xz')
    const zst = compress('zstd', 'zst')
    const gz = compress('gzip', 'gz')
    const size = statSync(img).size
    expect(await inspectImage(xz)).toEqual({ compression: 'xz', fileSize: statSync(xz).size, size, estimatedSize: size })
    expect(await inspectImage(zst)).toEqual({ compression: 'zstd', fileSize: statSync(zst).size, size, estimatedSize: size })
    // gzip's ISIZE is a hint only (mod 2^32): no exact size, the hint as the estimate.
    expect(await inspectImage(gz)).toEqual({ compression: 'gzip', fileSize: statSync(gz).size, size: undefined, estimatedSize: size })
    expect(await inspectImage(img)).toEqual({ fileSize: size, size, estimatedSize: size })
    // zstd reading stdin records no content size: unknown, the file size as the guess.
    const piped = compress('zstd', 'zst', { stdin: true, name: 'piped.zst' })
    expect((await inspectImage(piped)).size).toBeUndefined()
    expect(sniffCompression(readFileSync(img).subarray(0, 16))).toBeUndefined()
  })

  it('serves the decompressed bytes in order and hashes the compressed file on the way', async () => {
    const xz = compress('xz', 'xz')
    const r = await openImageReader(xz, { hashContainer: true })
    const out = Buffer.alloc(statSync(img).size + MiB)
    let pos = 0
    for (;;) {
      const n = await r.read(out.subarray(pos), 3 * MiB + 7, pos)
      pos += n
      if (n < 3 * MiB + 7) break
    }
    await r.close()
    expect(pos).toBe(statSync(img).size)
    expect(out.subarray(0, pos).equals(readFileSync(img))).toBe(true)
    expect(r.containerSha256?.()).toBe(sha256File(xz))
  })

  it('a corrupt xz file fails to read with a sentence naming the file, not a raw exit status', async () => {
    const xz = compress('xz', 'xz', { name: 'bad-read.iso.xz' })
    const fd = openSync(xz, 'r+')
    writeSync(fd, Buffer.from('garbage-garbage-garbage'), 0, 23, Math.floor(statSync(xz).size / 2))
    closeSync(fd)
    const r = await openImageReader(xz)
    const buf = Buffer.alloc(32 * MiB)
    await expect(r.read(buf, buf.length, 0)).rejects.toMatchObject({ name: 'ImageCorrupt', message: expect.stringMatching(/bad-read\.iso\.xz is damaged: xz/) })
    await r.close()
  })
})

describe.skipIf(!!skip || !!noTools)(
  `writing compressed images through UDisks2 (real udisksd, loop devices)${skip || noTools ? ` — skipped: ${skip ?? noTools}` : ''}`,
  () => {
    for (const [tool, ext] of [
      ['xz', 'xz'],
      ['zstd', 'zst'],
      ['gzip', 'gz']
    ] as const) {
      it(`writes ${ext} while decompressing: the drive holds the image, verified against the decompressed stream, the compressed file's hash checked`, async () => {
        const file = compress(tool, ext)
        const fileSha = sha256File(file)
        const dev = newLoop(`${ext}.img`, 32 * MiB)
        const s = service()
        const info = await s.image(file)
        expect(info).toMatchObject({ compression: tool, size: statSync(img).size, fileSize: statSync(file).size, sizeExact: tool !== 'gzip' })
        const job = await write(s, file, dev, { expectedSha256: fileSha })
        expect(job.targets[0].error).toBeUndefined()
        expect(job.stage).toBe('done')
        expect(job.targets[0].verified).toBe(true)
        expect(job.compression).toBe(tool)
        expect(job.imageSize).toBe(statSync(img).size)
        expect(job.compressedSha256).toBe(fileSha)
        expect(job.sha256).toBe(imgSha)
        expect(cmpPrefix(img, dev, statSync(img).size)).toEqual({ same: true, output: '' })
      })
    }

    it('the read-back hashes the drive against the bytes written: xz runs once, and a flipped byte still runs it again to name the offset', async () => {
      const file = compress('xz', 'xz')
      // The decompressor the service runs, counted: a wrapper that logs each run, then execs xz.
      const log = path.join(dir, 'xz-runs.log')
      const wrapper = path.join(dir, 'xz-counting')
      writeFileSync(wrapper, `#!/bin/sh\necho "run $*" >> ${JSON.stringify(log)}\nexec /usr/bin/xz "$@"\n`, { mode: 0o755 })
      // Decompressions only (-dc), not the look at the container's index.
      const runs = (): number => (readFileSync(log, 'utf8').match(/^run .*-dc/gm) ?? []).length
      writeFileSync(log, '')
      const backing = path.join(dir, 'xz-fp.img')
      const dev = newLoop('xz-fp.img', 32 * MiB)
      const flip: { at?: number } = {}
      const s = service({
        decompressors: { xz: wrapper, zstd: '/usr/bin/zstd', gzip: '/usr/bin/gzip' },
        onWrite: (ev) => {
          if (flip.at === undefined || ev.kind !== 'head' || ev.phase !== 'done') return
          const fd = openSync(backing, 'r+')
          writeSync(fd, Buffer.from([readFileSync(img)[flip.at] ^ 0x08]), 0, 1, flip.at)
          closeSync(fd)
        }
      })
      const ok = await write(s, file, dev, { expectedSha256: sha256File(file) })
      expect(ok.targets[0]).toMatchObject({ stage: 'done', verified: true, verifiedBy: 'fingerprint' })
      expect(cmpPrefix(img, dev, statSync(img).size)).toEqual({ same: true, output: '' })
      expect(runs()).toBe(1)

      writeFileSync(log, '')
      flip.at = 9 * MiB + 321
      const bad = await write(s, file, dev, { expectedSha256: sha256File(file) })
      expect(bad.targets[0].error).toMatchObject({ name: 'VerificationMismatch', stage: 'verify', offset: flip.at })
      expect(runs()).toBe(2)
    })

    it('a zstd stream without a recorded size is written to its end', async () => {
      const file = compress('zstd', 'zst', { stdin: true, name: 'nosize.zst' })
      const dev = newLoop('nosize.img', 32 * MiB)
      const job = await write(service(), file, dev)
      expect(job.stage).toBe('done')
      expect(job.imageSize).toBe(statSync(img).size)
      expect(cmpPrefix(img, dev, statSync(img).size).same).toBe(true)
    })

    it('a corrupt xz image fails with a clear error and leaves the drive marked not bootable (first MiB zero)', async () => {
      const file = compress('xz', 'xz', { name: 'corrupt.iso.xz' })
      const fd = openSync(file, 'r+')
      writeSync(fd, Buffer.from('garbage-garbage-garbage'), 0, 23, Math.floor(statSync(file).size / 2))
      closeSync(fd)
      const dev = newLoop('corrupt-target.img', 32 * MiB)
      execFileSync('dd', ['if=/dev/urandom', `of=${dev}`, 'bs=1M', 'count=1', 'oflag=direct', 'status=none'])
      const job = await write(service(), file, dev)
      const t = job.targets[0]
      expect(job.stage).toBe('failed')
      expect(t.error?.name).toBe('ImageCorrupt')
      expect(t.error?.message).toMatch(/corrupt\.iso\.xz is damaged/)
      expect(t.error?.hint).toMatch(/Download the image again/)
      expect(t.notBootable).toBe(true)
      expect(readHead(dev, MiB).every((b) => b === 0)).toBe(true)
    })

    it('a compressed file whose hash is not the expected one fails as ImageMismatch', async () => {
      const file = compress('zstd', 'zst')
      const dev = newLoop('mismatch.img', 32 * MiB)
      const job = await write(service(), file, dev, { expectedSha256: 'a'.repeat(64), verify: false })
      expect(job.stage).toBe('failed')
      expect(job.targets[0].error?.name).toBe('ImageMismatch')
      expect(job.targets[0].error?.message).toContain(sha256File(file))
    })

    it('a gzip image larger than the drive (size only estimated) fails where the drive ends, not bootable', async () => {
      const file = compress('gzip', 'gz')
      const dev = newLoop('small.img', 8 * MiB)
      const job = await write(service(), file, dev)
      const t = job.targets[0]
      expect(job.stage).toBe('failed')
      expect(t.error?.name).toBe('DriveTooSmall')
      expect(t.notBootable).toBe(true)
    })
  }
)
