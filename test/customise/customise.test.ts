/**
 * Customising a live ISO with the real tools: xorriso rebuilds, mtools edits the EFI boot
 * image, grub pieces from Debian make the input image (support/live-iso.ts). No root needed.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { imageDigests, RACY_MS } from '../../src/main/services/system/image-digests'
import { CustomiseService, KICKSTART_NAME } from '../../src/main/services/customise/service'
import { recordPath } from '../../src/main/services/customise/record'
import { runCommand } from '../../src/main/services/system/command'
import { buildLiveIso, efiBootImage, fatFileAt, isoFile, liveIsoSkipReason, sh, VOLID } from './support/live-iso'

const skip = liveIsoSkipReason()
if (skip) console.warn(`customise tests skipped: ${skip}`)

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')
const fileSha = (f: string): string => sha(fs.readFileSync(f))
const ED25519 = (() => {
  const type = 'ssh-ed25519'
  const blob = Buffer.concat([Buffer.from([0, 0, 0, type.length]), Buffer.from(type), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)])
  return `${type} ${blob.toString('base64')} alice@laptop`
})()

/** MBR partition N of an image file: start and size in bytes (sfdisk reads the file). */
function partition(img: string, n: number): { offset: number; size: number; type: string } {
  const table = JSON.parse(sh(['sfdisk', '--json', img])).partitiontable
  const p = table.partitions.find((x: { node: string }) => x.node === `${img}${n}`)
  if (!p) throw new Error(`${img} has no partition ${n}`)
  return { offset: p.start * 512, size: p.size * 512, type: p.type }
}

describe.skipIf(Boolean(skip))(`customise a live ISO (xorriso, mtools, grub)${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let work: string
  let downloads: string
  let iso: string
  let isoSha: string
  let service: CustomiseService

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hsc-customise-test-'))
    downloads = path.join(work, 'Downloads')
    fs.mkdirSync(downloads)
    iso = buildLiveIso(path.join(work, 'build'), {}).iso
    fs.renameSync(iso, path.join(downloads, path.basename(iso)))
    iso = path.join(downloads, path.basename(iso))
    isoSha = fileSha(iso)
    service = new CustomiseService({ run: runCommand, downloadDir: async () => downloads, tmpDir: work })
  })
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

  it('writes a copy with the arguments in every boot configuration, the kickstart, and a record; the original is untouched', async () => {
    const keyFile = path.join(work, 'id.pub')
    fs.writeFileSync(keyFile, `${ED25519}\n`)
    const rec = await service.customise(iso, isoSha, {
      persist: { label: 'hsc-persist', sizeBytes: 0 },
      user: 'alice',
      sshKeyFile: keyFile,
      hostname: 'Build-01.example.org',
      kernelArgs: ['psi=1', 'systemd.unified_cgroup_hierarchy=1']
    })
    expect(fileSha(iso)).toBe(isoSha)
    expect(path.dirname(rec.path)).toBe(downloads)
    expect(rec.path).not.toBe(iso)
    expect(rec.sourceSha256).toBe(isoSha)
    expect(rec.sha256).toBe(fileSha(rec.path))
    expect(rec.volumeId).toBe(VOLID)
    const ks = `inst.ks=hd:LABEL=${VOLID}:/${KICKSTART_NAME}`
    expect(rec.addedArgs).toEqual(['rd.live.overlay=LABEL=hsc-persist', 'rd.live.overlay.overlayfs', ks, 'psi=1', 'systemd.unified_cgroup_hierarchy=1'])
    expect(JSON.parse(fs.readFileSync(recordPath(rec.path), 'utf8'))).toEqual(rec)
    expect(await service.record(rec.path)).toEqual(rec)

    const x = path.join(work, 'x1')
    fs.mkdirSync(x)
    for (const [inside, marker] of [
      ['/boot/grub2/grub.cfg', 'bios'],
      ['/EFI/BOOT/grub.cfg', 'iso-efi']
    ]) {
      const cfg = isoFile(rec.path, inside, path.join(x, marker)).toString()
      const kernelLines = cfg.split('\n').filter((l) => l.trim().startsWith('linux '))
      expect(kernelLines).toHaveLength(2)
      for (const l of kernelLines) {
        expect(l).toContain(`hsc.cfg=${marker}`)
        expect(l.trim().split(' ').slice(-5)).toEqual(rec.addedArgs)
      }
      // Only kernel lines changed.
      const orig = isoFile(iso, inside, path.join(x, `${marker}.orig`)).toString()
      expect(cfg.split('\n').filter((l) => !l.trim().startsWith('linux '))).toEqual(orig.split('\n').filter((l) => !l.trim().startsWith('linux ')))
    }
    // The EFI system partition the firmware boots (appended partition 2) carries the edit too.
    const esp = partition(rec.path, 2)
    expect(esp.type).toBe('ef')
    const efiCfg = fatFileAt(rec.path, esp.offset, '/EFI/BOOT/grub.cfg', path.join(x, 'esp.cfg')).toString()
    expect(efiCfg).toContain(`hsc.cfg=efiboot rd.live.overlay=LABEL=hsc-persist rd.live.overlay.overlayfs ${ks} psi=1`)
    const treeEfi = isoFile(rec.path, '/images/efiboot.img', path.join(x, 'efiboot.img'))
    expect(sha(treeEfi)).toBe(sha(fs.readFileSync(rec.path).subarray(esp.offset, esp.offset + treeEfi.length)))
    // The boot loader in the ESP is copied, not rebuilt (a signed shim/grub stays signed).
    const origEsp = partition(iso, 2)
    expect(fatFileAt(rec.path, esp.offset, '/EFI/BOOT/BOOTX64.EFI', path.join(x, 'b1'))).toEqual(
      fatFileAt(iso, origEsp.offset, '/EFI/BOOT/BOOTX64.EFI', path.join(x, 'b2'))
    )

    const kickstart = isoFile(rec.path, `/${KICKSTART_NAME}`, path.join(x, 'ks')).toString()
    expect(kickstart).toContain('network --hostname=build-01.example.org')
    expect(kickstart).toContain('user --name=alice --groups=wheel --lock')
    expect(kickstart).toContain(`sshkey --username=alice "${ED25519}"`)
    expect(kickstart).toMatch(
      /^repo --name=centos-hyperscale --baseurl=https:\/\/mirror\.stream\.centos\.org\/SIGs\/9-stream\/hyperscale\/\$basearch\/packages-main\//m
    )
    expect(kickstart).toContain('python3-dnf-plugin-cow')
    expect(kickstart).toMatch(/\[main\]\nenabled=1/)
  })

  it('leaves every other file of the image byte for byte as it was', async () => {
    const rec = await service.customise(iso, isoSha, { kernelArgs: ['psi=1'] })
    const list = (img: string): string[] =>
      sh(['xorriso', '-indev', img, '-pkt_output', 'on', '-find', '/', '-type', 'f'])
        .split('\n')
        .filter((l) => l.startsWith("R:1: '/"))
        .map((l) => l.slice(6, -1))
    const before = list(iso)
    expect(list(rec.path)).toEqual(before)
    const changed = new Set(['/boot/grub2/grub.cfg', '/EFI/BOOT/grub.cfg', '/images/efiboot.img'])
    const x = path.join(work, 'x2')
    fs.mkdirSync(x)
    let compared = 0
    for (const f of before) {
      if (changed.has(f)) continue
      const a = isoFile(iso, f, path.join(x, `a${compared}`))
      const b = isoFile(rec.path, f, path.join(x, `b${compared}`))
      if (f === '/images/eltorito.img') {
        // El Torito replay patches the boot image with its new block address, as any mkisofs
        // run does: the boot info table (bytes 8-63) and grub2-boot-info (bytes 2548-2555).
        expect(b.length).toBe(a.length)
        const diff = [...a.keys()].filter((i) => a[i] !== b[i])
        expect(
          diff.filter((i) => !(i >= 8 && i < 64) && !(i >= 2548 && i < 2556)),
          f
        ).toEqual([])
      } else expect(sha(b), f).toBe(sha(a))
      compared++
    }
    expect(compared).toBe(before.length - changed.size)
    expect(compared).toBeGreaterThanOrEqual(5)
  })

  it('places a user kickstart file as it is', async () => {
    const ks = path.join(work, 'mine.ks')
    fs.writeFileSync(ks, 'text\nreboot\n%packages\n@core\n%end\n')
    const rec = await service.customise(iso, isoSha, { kickstartFile: ks, kernelArgs: [] })
    expect(isoFile(rec.path, `/${KICKSTART_NAME}`, path.join(work, 'ks-out')).toString()).toBe(fs.readFileSync(ks, 'utf8'))
    expect(rec.addedArgs).toEqual([`inst.ks=hd:LABEL=${VOLID}:/${KICKSTART_NAME}`])
  })

  it('older layout (EFI El Torito image as the file images/efiboot.img): the boot entry points at the edited image', async () => {
    const dir = path.join(work, 'tree-layout')
    const built = buildLiveIso(path.join(dir, 'build'), { efi: 'tree' })
    const before = efiBootImage(built.iso)
    expect(before.path).toBe('/images/efiboot.img')
    const rec = await service.customise(built.iso, fileSha(built.iso), { kernelArgs: ['psi=1'] })
    expect(rec.editedConfigs).toContain('/images/efiboot.img:/EFI/BOOT/grub.cfg')
    const after = efiBootImage(rec.path)
    expect(after.path).toBe('/images/efiboot.img')
    const cfg = fatFileAt(rec.path, after.offset, '/EFI/BOOT/grub.cfg', path.join(dir, 'cfg')).toString()
    expect(cfg).toContain('hsc.cfg=efiboot psi=1\n')
    expect(fatFileAt(built.iso, before.offset, '/EFI/BOOT/grub.cfg', path.join(dir, 'orig')).toString()).not.toContain('psi=1')
  })

  it('refuses an original whose bytes no longer match the verified hash, and writes nothing', async () => {
    const before = fs.readdirSync(downloads).sort()
    const err = await service.customise(iso, '0'.repeat(64), { kernelArgs: ['psi=1'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).name).toBe('ImageChanged')
    expect(fs.readdirSync(downloads).sort()).toEqual(before)
  })

  it('takes the digest kept for an unchanged original instead of reading it again (here one that is not the verified hash: refused)', async () => {
    const store = path.join(work, 'digests-state', 'image-digests.json')
    const digests = imageDigests(store)
    const st = fs.statSync(iso, { bigint: true })
    // As if hashed 3 s after its last change: the racy window has passed.
    expect(digests.remember(iso, st, Number(st.ctimeNs / 1_000_000n) + RACY_MS + 1000, st, 'ab'.repeat(32))).toBe(true)
    const reusing = new CustomiseService({ run: runCommand, downloadDir: async () => downloads, tmpDir: work, digests })
    const err = await reusing.customise(iso, isoSha, { kernelArgs: ['psi=1'] }).catch((e: unknown) => e)
    expect((err as AppError).name).toBe('ImageChanged')
    expect((err as AppError).detail).toBe(`expected ${isoSha}, found ${'ab'.repeat(32)}`)
  })

  it.each([
    [{ kernelArgs: ['psi=1 init=/bin/sh'] }, /Kernel argument/],
    [{ kernelArgs: ['a;reboot'] }, /Kernel argument/],
    [{ kernelArgs: ['$(reboot)'] }, /Kernel argument/],
    [{ kernelArgs: ['x="y"'] }, /Kernel argument/],
    [{ kernelArgs: ['init=/bin/sh'] }, /init is set by the customisation/],
    [{ kernelArgs: [], user: 'root' }, /system account/],
    [{ kernelArgs: [], user: 'al ice' }, /User name/],
    [{ kernelArgs: [], hostname: 'a_b;c' }, /Host name/],
    [{ kernelArgs: [], user: 'alice', sshKey: 'ssh-ed25519 AAAA" --foo' }, /SSH key/],
    [{ kernelArgs: [], user: 'alice', sshKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n' }, /private key/],
    [{ kernelArgs: [], user: 'alice', sshKey: `${ED25519}\n${ED25519}` }, /one public key line/],
    [{ kernelArgs: [], user: 'alice', sshKey: ED25519.replace('alice@laptop', '"x";reboot') }, /comment/],
    [{ kernelArgs: [], user: 'alice', sshKey: ED25519.replace('ssh-ed25519', 'ssh-rsa') }, /does not match its type/],
    [{ kernelArgs: [], persist: { label: 'bad label!', sizeBytes: 0 } }, /Persistence label/],
    [{ kernelArgs: [] }, /Nothing to customise/],
    [{ kernelArgs: [], kickstartFile: '/dev/zero' }, /Kickstart/],
    [{ kernelArgs: [], kickstartFile: '/nonexistent/ks.cfg' }, /Kickstart/]
  ])('refuses hostile input %j with a sentence, before touching the image', async (options, message) => {
    const before = fs.readdirSync(downloads).sort()
    const err = await service.customise(iso, isoSha, options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).message).toMatch(message)
    expect(fs.readdirSync(downloads).sort()).toEqual(before)
  })
})
