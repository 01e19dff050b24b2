import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * A small hybrid BIOS+UEFI ISO with the Fedora/CentOS live layout, built from real grub
 * pieces (Debian's grub-pc-bin and grub-efi-amd64-bin): images/eltorito.img (El Torito
 * BIOS, also booted from a disk through boot_hybrid.img in the MBR), images/efiboot.img (a
 * FAT image with BOOTX64.EFI and its own grub.cfg, appended as MBR partition 2 type 0xef as
 * lorax does), boot/grub2/grub.cfg, EFI/BOOT/grub.cfg, images/pxeboot/{vmlinuz,initrd.img}
 * and LiveOS/squashfs.img. Each grub.cfg marks itself with hsc.cfg=… so a boot test can
 * tell which one the firmware used.
 */

export const TOOLS = ['xorriso', 'mcopy', 'mmd', 'mdir', 'mkfs.vfat', 'grub-mkimage'] as const
const GRUB_PC = '/usr/lib/grub/i386-pc'
const GRUB_EFI = '/usr/lib/grub/x86_64-efi'

const onPath = (tool: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0

/** Why a live ISO cannot be built here, or undefined. */
export function liveIsoSkipReason(): string | undefined {
  const missing = TOOLS.filter((t) => !onPath(t))
  if (missing.length) return `${missing.join(', ')} not installed (apt-get install xorriso mtools dosfstools grub-common; see .ci/apt-packages.txt)`
  if (!fs.existsSync(`${GRUB_PC}/boot_hybrid.img`)) return 'grub-pc-bin is not installed (no /usr/lib/grub/i386-pc)'
  if (!fs.existsSync(`${GRUB_EFI}/linux.mod`)) return 'grub-efi-amd64-bin is not installed (no /usr/lib/grub/x86_64-efi)'
  return undefined
}

export function sh(argv: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, LANG: 'C', MTOOLS_SKIP_CHECK: '1', ...opts.env } })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`)
  return r.stdout
}

export const VOLID = 'HSC-Test-Live-9'

function grubCfg(marker: string): string {
  const entry = (title: string, extra: string): string =>
    [
      `menuentry '${title}' --class fedora --class gnu-linux --class os {`,
      `\tlinux /images/pxeboot/vmlinuz root=live:CDLABEL=${VOLID} rd.live.image ${extra}quiet console=ttyS0 hsc.cfg=${marker}`,
      '\tinitrd /images/pxeboot/initrd.img',
      '}'
    ].join('\n')
  return [
    'set default="0"',
    'set timeout=0',
    '',
    '# Fedora live images find their own volume by label.',
    `search --no-floppy --set=root -l '${VOLID}'`,
    '',
    entry('Start HSC Test Live', ''),
    entry('Test this media & start HSC Test Live', 'rd.live.check '),
    ''
  ].join('\n')
}

export interface LiveIso {
  iso: string
  /** Files of the tree as built (path inside the ISO → local file). */
  tree: string
}

/** Builds the ISO in `work`; `kernel`/`initrd` default to small placeholder files. */
export function buildLiveIso(work: string, opts: { kernel?: string; initrd?: string; efi?: 'appended' | 'tree' } = {}): LiveIso {
  const tree = path.join(work, 'tree')
  for (const d of ['boot/grub2', 'EFI/BOOT', 'images/pxeboot', 'LiveOS']) fs.mkdirSync(path.join(tree, d), { recursive: true })
  const put = (p: string, data: string | Buffer): void => fs.writeFileSync(path.join(tree, p), data)
  if (opts.kernel) fs.copyFileSync(opts.kernel, path.join(tree, 'images/pxeboot/vmlinuz'))
  else put('images/pxeboot/vmlinuz', Buffer.alloc(64 * 1024, 0x4b))
  if (opts.initrd) fs.copyFileSync(opts.initrd, path.join(tree, 'images/pxeboot/initrd.img'))
  else put('images/pxeboot/initrd.img', Buffer.alloc(32 * 1024, 0x49))
  put('LiveOS/squashfs.img', Buffer.alloc(256 * 1024, 0x53))
  put('boot/grub2/grub.cfg', grubCfg('bios'))
  put('EFI/BOOT/grub.cfg', grubCfg('iso-efi'))
  put('.discinfo', '1700000000.0\nHSC Test Live 9\nx86_64\n')

  const mods = ['iso9660', 'part_msdos', 'part_gpt', 'normal', 'linux', 'search', 'search_label', 'configfile', 'echo', 'test']
  sh(['grub-mkimage', '-O', 'i386-pc-eltorito', '-p', '/boot/grub2', '-o', path.join(tree, 'images/eltorito.img'), 'biosdisk', ...mods])
  const bootx64 = path.join(work, 'BOOTX64.EFI')
  sh(['grub-mkimage', '-O', 'x86_64-efi', '-p', '/EFI/BOOT', '-o', bootx64, 'fat', 'efi_gop', ...mods])
  fs.copyFileSync(bootx64, path.join(tree, 'EFI/BOOT/BOOTX64.EFI'))

  const efiboot = path.join(tree, 'images/efiboot.img')
  const efiCfg = path.join(work, 'efiboot-grub.cfg')
  fs.writeFileSync(efiCfg, grubCfg('efiboot'))
  sh(['mkfs.vfat', '-C', '-n', 'ANACONDA', efiboot, '2048'])
  sh(['mmd', '-i', efiboot, '::/EFI', '::/EFI/BOOT'])
  sh(['mcopy', '-i', efiboot, bootx64, '::/EFI/BOOT/BOOTX64.EFI'])
  sh(['mcopy', '-i', efiboot, efiCfg, '::/EFI/BOOT/grub.cfg'])

  const iso = path.join(work, 'HSC-Test-Live-9-x86_64.iso')
  // Older lorax (CentOS Stream 9 install images): the EFI El Torito image is the file
  // images/efiboot.img inside the ISO, not a partition appended after it.
  const efi =
    opts.efi === 'tree'
      ? ['-eltorito-alt-boot', '-e', 'images/efiboot.img', '-no-emul-boot']
      : ['-append_partition', '2', '0xef', efiboot, '-eltorito-alt-boot', '-e', '--interval:appended_partition_2:all::', '-no-emul-boot']
  sh([
    'xorriso',
    '-as',
    'mkisofs',
    '-o',
    iso,
    '-R',
    '-J',
    '-V',
    VOLID,
    '--grub2-mbr',
    `${GRUB_PC}/boot_hybrid.img`,
    '-partition_offset',
    '16',
    '-c',
    'boot.cat',
    '--boot-catalog-hide',
    '-b',
    'images/eltorito.img',
    '-no-emul-boot',
    '-boot-load-size',
    '4',
    '-boot-info-table',
    '--grub2-boot-info',
    ...efi,
    tree
  ])
  return { iso, tree }
}

/** Extracts one file of an ISO with xorriso (test-side reader, independent of the service). */
export function isoFile(iso: string, inside: string, dest: string): Buffer {
  sh(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', inside, dest])
  return fs.readFileSync(dest)
}

/** Reads a file out of a FAT image at a byte offset of `img` (the appended EFI partition). */
export function fatFileAt(img: string, offset: number, inside: string, dest: string): Buffer {
  sh(['mcopy', '-n', '-i', `${img}@@${offset}`, `::${inside}`, dest])
  return fs.readFileSync(dest)
}

/** Byte offset and size of the El Torito UEFI boot image, as xorriso reports it. */
export function efiBootImage(iso: string): { offset: number; path?: string } {
  const report = sh(['xorriso', '-indev', iso, '-report_el_torito', 'plain'])
  const entry = /^El Torito boot img :\s+(\d+)\s+UEFI\s+\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+(\d+)$/m.exec(report)
  if (!entry) throw new Error(`no UEFI El Torito image in ${iso}:\n${report}`)
  const p = new RegExp(`^El Torito img path :\\s+${entry[1]}\\s+(\\S+)$`, 'm').exec(report)
  return { offset: Number(entry[2]) * 2048, path: p?.[1] }
}
