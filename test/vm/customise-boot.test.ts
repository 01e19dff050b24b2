/**
 * A customised live ISO boots with the customisation, under SeaBIOS and under OVMF (QEMU,
 * TCG). The input is a hybrid BIOS+UEFI ISO with the Fedora live layout built from Debian's
 * grub pieces (test/customise/support/live-iso.ts), carrying the VM tier's Debian kernel and
 * a busybox initramfs that reports /proc/cmdline, the persistence filesystem and the
 * kickstart over the serial console. The stick is an image file: the ISO copied to its
 * start as a write does, then the persistence partition added by the customise service's
 * image-file target (the UDisks2 target needs a kernel that reads MBR partitions, which this
 * host's does not).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CustomiseRecord } from '../../src/shared/contract/customise'
import { CustomiseService, KICKSTART_NAME } from '../../src/main/services/customise/service'
import { imageFileTarget, planPersistence } from '../../src/main/services/customise/persistence'
import { runCommand } from '../../src/main/services/system/command'
import { PROJECT_ROOT } from '../support/paths'
import { buildLiveIso, isoFile, liveIsoSkipReason, sh, VOLID } from '../customise/support/live-iso'
import { buildInitramfs } from '../customise/support/tiny-initramfs'
import { bootDisk, OVMF_CODE, OVMF_VARS, type BootResult } from '../customise/support/qemu-boot'
import { ensureGuestImage, vmSkipReason } from './support/image'

const onPath = (tool: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0

function skipReason(): string | undefined {
  const vm = vmSkipReason()
  if (vm) return `the guest kernel comes from the VM tier, which ${vm}`
  const iso = liveIsoSkipReason()
  if (iso) return iso
  if (!fs.existsSync(OVMF_CODE) || !fs.existsSync(OVMF_VARS)) return 'OVMF is not installed (apt-get install ovmf)'
  const missing = ['debugfs', 'cpio', 'sfdisk', 'mkfs.ext4'].filter((t) => !onPath(t))
  if (missing.length) return `${missing.join(', ')} not installed`
  return undefined
}

const skip = skipReason()
if (skip) console.warn(`customised ISO boot test skipped: ${skip}`)

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const ED25519 = (() => {
  const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 9)])
  return `ssh-ed25519 ${blob.toString('base64')} bob@desk`
})()
const STICK_BYTES = 96 * 1024 * 1024

describe.skipIf(Boolean(skip))(`customised live ISO boots under SeaBIOS and OVMF (QEMU)${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let work: string
  let rec: CustomiseRecord
  let ksSha: string
  const boots: Record<string, BootResult> = {}
  const logDir = path.join(PROJECT_ROOT, 'test-results/vm')

  beforeAll(async () => {
    fs.mkdirSync(logDir, { recursive: true })
    const image = ensureGuestImage((text) => fs.writeFileSync(path.join(logDir, 'build-guest.log'), text))
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hsc-customise-boot-'))
    const rootfs = path.join(image.dir, 'rootfs.img')
    const kver = sh(['debugfs', '-R', 'cat /etc/hsc-guest-kernel', rootfs]).trim()
    const initrd = buildInitramfs(rootfs, kver, work)
    const downloads = path.join(work, 'Downloads')
    fs.mkdirSync(downloads)
    const { iso } = buildLiveIso(path.join(work, 'build'), { kernel: path.join(image.dir, 'vmlinuz'), initrd })
    const original = path.join(downloads, path.basename(iso))
    fs.renameSync(iso, original)
    const service = new CustomiseService({ run: runCommand, downloadDir: async () => downloads, tmpDir: work })
    rec = await service.customise(original, sha(fs.readFileSync(original)), {
      persist: { label: 'hsc-persist', sizeBytes: 0 },
      user: 'bob',
      sshKey: ED25519,
      hostname: 'stick-test',
      kernelArgs: ['psi=1', 'hsc.test=customised']
    })
    ksSha = sha(isoFile(rec.path, `/${KICKSTART_NAME}`, path.join(work, 'ks')))

    // The write: the image at the start of the stick, then the partition in the free space.
    const stick = path.join(work, 'stick.img')
    fs.copyFileSync(rec.path, stick)
    fs.truncateSync(stick, STICK_BYTES)
    const plan = planPersistence(rec.size, STICK_BYTES, rec.persist?.sizeBytes ?? 0, rec.persist?.label ?? '')
    await imageFileTarget(runCommand, stick).create(plan)

    for (const fw of ['seabios', 'ovmf'] as const) {
      boots[fw] = await bootDisk(stick, fw, work, 5 * 60_000)
      fs.writeFileSync(path.join(logDir, `customise-${fw}.log`), boots[fw].log)
    }
    console.log(`customise boot: SeaBIOS ${boots.seabios.seconds} s, OVMF ${boots.ovmf.seconds} s`)
  }, 30 * 60_000)

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  const lines = (fw: string, tag: string): string[] =>
    boots[fw].log
      .split(/[\r\n]+/)
      .map((l) => l.replace(/^.*?(HSC-)/, '$1'))
      .filter((l) => l.startsWith(`${tag} `) || l === tag)

  // OVMF also reads El Torito on a disk and boots the UEFI image from it; grub then takes the
  // volume's EFI/BOOT/grub.cfg. Firmware that boots the ESP partition reads the efiboot copy
  // (checked byte for byte in test/customise). Both carry the same arguments.
  describe.each([
    ['seabios', /^hsc\.cfg=bios$/],
    ['ovmf', /^hsc\.cfg=(iso-efi|efiboot)$/]
  ])('%s', (fw, marker) => {
    it('boots the customised entry to the end of the initramfs and powers off', () => {
      expect(boots[fw].timedOut).toBe(false)
      expect(lines(fw, 'HSC-DONE')).toHaveLength(1)
    })

    it(`/proc/cmdline carries every added argument, from the firmware's grub.cfg (${marker.source})`, () => {
      const [cmdline] = lines(fw, 'HSC-CMDLINE')
      expect(cmdline).toBeDefined()
      const args = cmdline.split(' ').slice(1)
      // Which configuration the firmware used: BIOS reads boot/grub2, UEFI an EFI/BOOT/grub.cfg.
      expect(args.filter((a) => a.startsWith('hsc.cfg='))).toEqual([expect.stringMatching(marker)])
      for (const a of rec.addedArgs) expect(args).toContain(a)
      expect(args).toContain(`inst.ks=hd:LABEL=${VOLID}:/${KICKSTART_NAME}`)
      expect(args).toContain('rd.live.overlay=LABEL=hsc-persist')
    })

    it('finds the persistence partition by its label, as ext4 in the stick’s partition 3', () => {
      expect(lines(fw, 'HSC-OVERLAY')).toEqual(['HSC-OVERLAY label=hsc-persist device=/dev/vda3 magic=53ef'])
    })

    it('reads the kickstart at the path inst.ks names, with the bytes the customiser placed', () => {
      const [ks] = lines(fw, 'HSC-KS')
      expect(ks).toMatch(new RegExp(`^HSC-KS file=/${KICKSTART_NAME.replace('.', '\\.')} device=/dev/vda\\d? sha256=${ksSha}$`))
    })
  })
})
