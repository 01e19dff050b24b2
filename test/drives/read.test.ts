import { execFileSync, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findImageEnd } from '../../src/main/services/drives/image-end'
import { DrivesService, type DrivesServiceOptions } from '../../src/main/services/drives/service'
import { inspectImage } from '../../src/main/services/drives/source'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { imageDigests, RACY_MS } from '../../src/main/services/system/image-digests'
import { hashFile } from '../../src/main/services/spins/hash'
import type { WriteJob } from '../../src/shared/contract/drives'
import { flipBits, loopDelete, loopSetup, makeIso, sha256File, tmpDir, udisksSkipReason } from './support'

const MiB = 1024 * 1024
const skip = (await udisksSkipReason()) ?? (spawnSync('sfdisk', ['--version']).status === 0 ? undefined : 'sfdisk (util-linux) is not installed')
const loops: string[] = []
const services: DrivesService[] = []
let dir = ''
let iso = ''

function service(extra: Partial<DrivesServiceOptions> = {}): DrivesService {
  const s = new DrivesService({ fs: createRootFs('/'), env: process.env, allowLoop: true, idleMs: 0, ...extra })
  services.push(s)
  return s
}

/** A backing file of `bytes` random bytes, optionally partitioned by sfdisk, attached through UDisks2. */
function stick(name: string, bytes: number, table?: string): { dev: string; file: string } {
  const file = path.join(dir, name)
  writeFileSync(file, randomBytes(bytes))
  if (table) execFileSync('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', file], { input: table })
  const dev = loopSetup(file)
  loops.push(dev)
  return { dev, file }
}

const token = async (s: DrivesService, dev: string): Promise<string> => (await s.list()).drives.find((d) => d.device === dev)?.token ?? 'not-listed'

async function verify(s: DrivesService, dev: string, image: string): Promise<WriteJob> {
  const j = await s.verifyDrive({ device: dev, token: await token(s, dev), image })
  return s.wait(j.jobId)
}

async function backup(
  s: DrivesService,
  dev: string,
  file: string,
  o: { compress?: 'none' | 'zstd'; whole?: boolean; overwrite?: boolean } = {}
): Promise<WriteJob> {
  const j = await s.backup({
    device: dev,
    token: await token(s, dev),
    file,
    compress: o.compress ?? 'none',
    whole: o.whole ?? false,
    overwrite: o.overwrite ?? false
  })
  return s.wait(j.jobId)
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const prefix = (file: string, n: number): Buffer => readFileSync(file).subarray(0, n)

beforeAll(() => {
  if (skip) return
  dir = tmpDir('hsc-read-')
  iso = makeIso(dir, 10)
})

afterAll(async () => {
  for (const s of services) await s.close()
  for (const l of loops) loopDelete(l)
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('where the image on a stick ends (partition tables and ISO 9660 parsed from bytes)', () => {
  it('ignores entries that point outside the drive and finds nothing in random bytes', () => {
    const head = randomBytes(MiB)
    head[510] = 0
    head.write('XXXXXXXX', 512, 'latin1')
    head[16 * 2048] = 0
    expect(findImageEnd(head, 512, 64 * MiB)).toBeUndefined()
    const mbr = Buffer.alloc(MiB)
    mbr[510] = 0x55
    mbr[511] = 0xaa
    mbr[446 + 4] = 0x83
    mbr.writeUInt32LE(2048, 446 + 8)
    mbr.writeUInt32LE(0xffffffff, 446 + 12)
    expect(findImageEnd(mbr, 512, 64 * MiB)).toBeUndefined()
    mbr.writeUInt32LE(4096, 446 + 12)
    expect(findImageEnd(mbr, 512, 64 * MiB)).toEqual({ end: 6144 * 512, from: 'mbr' })
  })
})

describe.skipIf(!!skip)(`verify and back up a stick (real udisksd, loop devices, never written)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('verify: a stick holding the image matches; a byte flipped at a known offset is named exactly; the stick is unchanged', async () => {
    const { dev, file } = stick('verify.img', 16 * MiB)
    execFileSync('dd', [`if=${iso}`, `of=${dev}`, 'bs=1M', 'oflag=direct', 'conv=fsync', 'status=none'])
    const s = service()
    const ok = await verify(s, dev, iso)
    expect(ok.targets[0].error).toBeUndefined()
    expect(ok.stage).toBe('done')
    expect(ok.kind).toBe('verify')
    expect(ok.targets[0].verified).toBe(true)
    expect(ok.imageSize).toBe(statSync(iso).size)

    const at = 5 * MiB + 12345
    flipBits(file, at, 0xff)
    const before = sha256File(file)
    const bad = await verify(s, dev, iso)
    expect(bad.stage).toBe('failed')
    expect(bad.targets[0].error).toMatchObject({ name: 'VerificationMismatch', offset: at, stage: 'verify' })
    expect(bad.targets[0].error?.message).toContain(`differs from the image at byte ${at}`)
    expect(bad.targets[0].notBootable).toBeUndefined()
    expect(sha256File(file)).toBe(before)
  })

  it('verify of an image whose fingerprint hsc verify kept reads only the stick, and still names a flipped byte exactly', async () => {
    const img = path.join(dir, 'fp-verify.iso')
    writeFileSync(img, randomBytes(6 * MiB + 777))
    // Digests (and fingerprints) are kept only for a file whose last change is older than the racy window.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RACY_MS + 100)
    const digests = imageDigests(path.join(dir, 'fp-verify-state', 'image-digests.json'))
    await hashFile(img, 'sha256', { digests })
    const { dev, file } = stick('fp-verify-stick.img', 8 * MiB)
    execFileSync('dd', [`if=${img}`, `of=${dev}`, 'bs=1M', 'oflag=direct', 'conv=fsync', 'status=none'])
    const s = service({ digests })
    const ok = await verify(s, dev, img)
    expect(ok.targets[0]).toMatchObject({ stage: 'done', verified: true, verifiedBy: 'fingerprint' })
    // Without the store the stick is compared with the image byte for byte.
    expect((await verify(service(), dev, img)).targets[0]).toMatchObject({ verified: true, verifiedBy: 'comparison' })

    const at = 6 * MiB + 700
    flipBits(file, at, 0x01)
    const bad = await verify(s, dev, img)
    expect(bad.targets[0].error).toMatchObject({ name: 'VerificationMismatch', offset: at, stage: 'verify' })
  })

  it('verify against an xz image compares with the decompressed stream (and gzip, whose size is counted first)', async () => {
    const { dev } = stick('verify-xz.img', 16 * MiB)
    execFileSync('dd', [`if=${iso}`, `of=${dev}`, 'bs=1M', 'oflag=direct', 'conv=fsync', 'status=none'])
    const xz = path.join(dir, 'v.iso.xz')
    writeFileSync(xz, execFileSync('xz', ['-c', '-0', '-T1', iso], { maxBuffer: 64 * MiB }))
    const gz = path.join(dir, 'v.iso.gz')
    writeFileSync(gz, execFileSync('gzip', ['-c', '-1', iso], { maxBuffer: 64 * MiB }))
    const s = service()
    for (const image of [xz, gz]) {
      const job = await verify(s, dev, image)
      expect(job.targets[0].error).toBeUndefined()
      expect(job.targets[0].verified).toBe(true)
      expect(job.imageSize).toBe(statSync(iso).size)
    }
  })

  it('backup of an MBR stick stops at the end of its last partition; the file hash is the stick content up to there', async () => {
    // Partitions end at sector 2048+8192+4096 = 14336 (7 MiB) on a 24 MiB stick.
    const { dev, file } = stick('mbr.img', 24 * MiB, 'label: dos\nstart=2048, size=8192, type=83\nstart=10240, size=4096, type=c\n')
    const out = path.join(dir, 'mbr-backup.img')
    const job = await backup(service(), dev, out)
    expect(job.targets[0].error).toBeUndefined()
    expect(job.stage).toBe('done')
    const end = 14336 * 512
    expect(job.backup).toMatchObject({ file: out, bytes: end, endsAt: 'mbr', compress: 'none' })
    expect(statSync(out).size).toBe(end)
    expect(sha256File(out)).toBe(sha(prefix(file, end)))
    expect(job.backup?.sha256).toBe(sha(prefix(file, end)))
    expect(existsSync(`${out}.part`)).toBe(false)
  })

  it('backup of a GPT stick with --compress zstd: the .zst decompresses to the stick content, its size in the frame header', async () => {
    const { dev, file } = stick('gpt.img', 24 * MiB, 'label: gpt\nstart=2048, size=16384\nstart=18432, size=2048\n')
    const out = path.join(dir, 'gpt-backup.img.zst')
    const job = await backup(service(), dev, out, { compress: 'zstd' })
    expect(job.targets[0].error).toBeUndefined()
    const end = 20480 * 512
    expect(job.backup).toMatchObject({ bytes: end, endsAt: 'gpt', compress: 'zstd' })
    const plain = execFileSync('zstd', ['-dc', out], { maxBuffer: 64 * MiB })
    expect(sha(plain)).toBe(sha(prefix(file, end)))
    expect(job.backup?.sha256).toBe(sha(prefix(file, end)))
    expect(job.backup?.fileSha256).toBe(sha256File(out))
    expect((await inspectImage(out)).size).toBe(end)
  })

  it('backup of a stick holding a plain ISO ends with the ISO 9660 filesystem; --whole copies everything', async () => {
    const { dev, file } = stick('iso-stick.img', 16 * MiB)
    execFileSync('dd', [`if=${iso}`, `of=${dev}`, 'bs=1M', 'oflag=direct', 'conv=fsync', 'status=none'])
    const s = service()
    const out = path.join(dir, 'iso-backup.iso')
    const job = await backup(s, dev, out)
    expect(job.backup?.endsAt).toBe('iso9660')
    expect(sha256File(out)).toBe(sha256File(iso))
    const whole = path.join(dir, 'whole.img')
    const all = await backup(s, dev, whole, { whole: true })
    expect(all.backup).toMatchObject({ endsAt: 'drive', bytes: 16 * MiB })
    expect(sha256File(whole)).toBe(sha256File(file))
  })

  it('refuses an existing file unless told to replace it, and unsafe names; reads nothing then', async () => {
    const { dev } = stick('exists.img', 8 * MiB)
    const s = service()
    const out = path.join(dir, 'exists-backup.img')
    writeFileSync(out, 'keep me')
    await expect(s.backup({ device: dev, token: await token(s, dev), file: out, compress: 'none', whole: false, overwrite: false })).rejects.toMatchObject({
      name: 'FileExists',
      message: expect.stringContaining('already exists; nothing was read')
    })
    expect(readFileSync(out, 'utf8')).toBe('keep me')
    mkdirSync(path.join(dir, '.config'), { recursive: true })
    symlinkSync(path.join(dir, '.config'), path.join(dir, 'looks-fine'))
    for (const bad of ['.hidden.img', 'x.img.part', 'a%2F..%2Fb.img', '.config/x.img', 'looks-fine/authorized_keys'])
      await expect(
        s.backup({ device: dev, token: await token(s, dev), file: path.join(dir, bad), compress: 'none', whole: false, overwrite: false })
      ).rejects.toMatchObject({
        name: 'UnsafeFileName'
      })
    const job = await backup(s, dev, out, { overwrite: true, whole: true })
    expect(job.stage).toBe('done')
    expect(statSync(out).size).toBe(8 * MiB)
  })

  it('a cancelled backup removes its partial .part file and says so', async () => {
    const { dev } = stick('cancel.img', 32 * MiB)
    let jobId = ''
    const s: DrivesService = service({
      tuning: { chunkSize: 256 * 1024 },
      onProgress: (j) => {
        // As the copy starts (progress events are throttled; the stick is small and fast).
        if (j.jobId === jobId && j.targets[0].stage === 'read') s.cancel(jobId)
      }
    })
    const out = path.join(dir, 'cancelled.img')
    const started = await s.backup({ device: dev, token: await token(s, dev), file: out, compress: 'none', whole: true, overwrite: false })
    jobId = started.jobId
    const job = await s.wait(jobId)
    expect(job.stage).toBe('cancelled')
    expect(job.targets[0].error?.message).toMatch(/The partial file was removed/)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.part`)).toBe(false)
  })
})
