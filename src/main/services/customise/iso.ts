import { AppError } from '../../../shared/contract/errors'
import type { CommandResult, CommandRunner } from '../system/command'

// xorriso, osirrox and mtools as argv arrays; every path inside the image comes from the
// fixed list below or from xorriso's own listing, never from a request.

const ENV = { LANG: 'C', LC_ALL: 'C', MTOOLS_SKIP_CHECK: '1' }
const LONG = 30 * 60_000

/** The boot configurations mkksiso edits, as paths inside the ISO. */
export const ISO_CONFIGS = [
  { path: '/boot/grub2/grub.cfg', kind: 'grub' },
  { path: '/boot/grub/grub.cfg', kind: 'grub' },
  { path: '/EFI/BOOT/grub.cfg', kind: 'grub' },
  { path: '/EFI/BOOT/BOOT.conf', kind: 'grub' },
  { path: '/isolinux/isolinux.cfg', kind: 'isolinux' }
] as const

/** The same grub configurations inside the EFI system partition image. */
export const EFIBOOT_CONFIGS = ['/EFI/BOOT/grub.cfg', '/EFI/BOOT/BOOT.conf'] as const

export const EFIBOOT_PATH = '/images/efiboot.img'

/** MBR type or GPT GUID of the EFI system partition. */
const ESP_TYPES = new Set(['0xef'])
const ESP_GUID = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'
/** The same GUID as GPT stores it (first three fields little-endian), as xorriso prints it. */
const ESP_GUID_BYTES = '28732ac11ff8d211ba4b00a0c93ec93b'

export interface IsoLayout {
  volumeId: string
  files: Set<string>
  /** The EFI boot image appended after the ISO as partition N (Fedora/CentOS since lorax 38). */
  appendedEsp?: { partition: number; type: string; offset: number; size: number }
}

function failed(what: string, r: CommandResult, hint?: string): AppError {
  const detail = (r.spawnError ? `${r.spawnError}` : `exit ${r.code}`) + (r.stderr ? `: ${r.stderr.trim().split('\n').slice(-6).join('\n')}` : '')
  if (r.spawnError === 'ENOENT')
    return new AppError('ToolMissing', `${what} failed: the program is not installed.`, {
      stage: 'customise',
      hint: hint ?? 'Install xorriso and mtools.',
      detail
    })
  return new AppError('CustomiseFailed', `${what} failed.`, { stage: 'customise', hint, detail })
}

/** xorriso quotes names in -pkt_output lines like a shell: 'it'"'"'s' */
function unquote(s: string): string {
  let out = ''
  const re = /'([^']*)'|"([^"]*)"|(\S)/g
  for (let m = re.exec(s); m; m = re.exec(s)) out += m[1] ?? m[2] ?? m[3]
  return out
}

export async function readLayout(run: CommandRunner, iso: string): Promise<IsoLayout> {
  const r = await run(['xorriso', '-indev', iso, '-pkt_output', 'on', '-find', '/', '-type', 'f', '--', '-report_system_area', 'plain'], {
    env: ENV,
    timeoutMs: LONG
  })
  if (r.code !== 0) throw failed('Reading the image with xorriso', r, 'Is this an ISO 9660 image?')
  const files = new Set<string>()
  let volumeId = ''
  let appended: IsoLayout['appendedEsp']
  const gptTypes = new Map<number, string>()
  // With -pkt_output, result lines are "R:1: text" and notes "I:1: text", on stdout.
  for (const raw of r.stdout.split('\n')) {
    const line = raw.replace(/^[RIM]:\d+: /, '')
    if (raw.startsWith('R:1: ') && line.startsWith("'/")) files.add(unquote(line))
    const vol = /^Volume id\s*:\s*(.*)$/.exec(line)
    if (vol) volumeId = unquote(vol[1].trim())
    // "MBR partition      :   2   0x00  0xef        24492         4096"
    const mbr = /^MBR partition\s*:\s*(\d+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(\d+)\s+(\d+)$/.exec(line)
    if (mbr && ESP_TYPES.has(mbr[2]) && Number(mbr[1]) > 1)
      appended = { partition: Number(mbr[1]), type: mbr[2], offset: Number(mbr[3]) * 512, size: Number(mbr[4]) * 512 }
    // GPT (-appended_part_as_gpt): the type GUID is printed as its on-disk bytes.
    const gptType = /^GPT type GUID\s*:\s*(\d+)\s+([0-9a-f]{32})$/.exec(line)
    if (gptType) gptTypes.set(Number(gptType[1]), gptType[2])
    const gptPos = /^GPT start and size :\s*(\d+)\s+(\d+)\s+(\d+)$/.exec(line)
    if (gptPos && gptTypes.get(Number(gptPos[1])) === ESP_GUID_BYTES && Number(gptPos[1]) > 1)
      appended = { partition: Number(gptPos[1]), type: ESP_GUID, offset: Number(gptPos[2]) * 512, size: Number(gptPos[3]) * 512 }
  }
  if (!volumeId) {
    const vol = /Volume id\s*:\s*'([^']*)'/.exec(r.stderr + r.stdout)
    if (vol) volumeId = vol[1]
  }
  if (!volumeId) throw new AppError('CustomiseFailed', 'The image has no volume id, so a boot entry cannot find it.', { stage: 'customise' })
  return { volumeId, files, appendedEsp: appended }
}

/** Copies files out of the image (paths inside the ISO → local paths). */
export async function extract(run: CommandRunner, iso: string, pairs: ReadonlyArray<[string, string]>): Promise<void> {
  if (pairs.length === 0) return
  const argv = ['xorriso', '-osirrox', 'on', '-indev', iso]
  for (const [inside, local] of pairs) argv.push('-extract', inside, local)
  const r = await run(argv, { env: ENV, timeoutMs: LONG })
  if (r.code !== 0) throw failed('Copying the boot configuration out of the image', r)
}

/** The files that exist inside a FAT image among `paths` (mtools, no mount, no root). */
export async function fatFiles(run: CommandRunner, img: string, paths: readonly string[]): Promise<string[]> {
  const found: string[] = []
  for (const p of paths) {
    const r = await run(['mdir', '-b', '-i', img, `::${p}`], { env: ENV })
    if (r.code === 0 && r.stdout.trim()) found.push(p)
  }
  return found
}

export async function fatGet(run: CommandRunner, img: string, inside: string, local: string): Promise<void> {
  const r = await run(['mcopy', '-n', '-i', img, `::${inside}`, local], { env: ENV })
  if (r.code !== 0) throw failed(`Reading ${inside} from the EFI boot image`, r)
}

export async function fatPut(run: CommandRunner, img: string, local: string, inside: string): Promise<void> {
  // -o: overwrite the existing file; -D o answers any name clash the same way.
  const r = await run(['mcopy', '-o', '-D', 'o', '-i', img, local, `::${inside}`], { env: ENV })
  if (r.code !== 0) throw failed(`Writing ${inside} into the EFI boot image`, r)
}

export interface RebuildPlan {
  /** local file → path inside the ISO, replacing a file that exists */
  updates: Array<[string, string]>
  /** local file → new path inside the ISO */
  additions: Array<[string, string]>
  appendedEsp?: { partition: number; type: string; file: string }
}

/**
 * A new image from the original with the changed files, El Torito and the system area
 * replayed as they were (-boot_image any replay): boot loaders and signed binaries are
 * copied untouched.
 */
export async function rebuild(run: CommandRunner, iso: string, out: string, plan: RebuildPlan): Promise<void> {
  const argv = ['xorriso', '-indev', iso, '-outdev', out, '-boot_image', 'any', 'replay']
  if (plan.appendedEsp) {
    argv.push('-append_partition', String(plan.appendedEsp.partition), plan.appendedEsp.type, plan.appendedEsp.file)
  }
  for (const [local, inside] of plan.updates) argv.push('-update', local, inside)
  for (const [local, inside] of plan.additions) argv.push('-map', local, inside)
  const r = await run(argv, { env: ENV, timeoutMs: LONG })
  if (r.code !== 0) throw failed('Rebuilding the image with xorriso', r, 'Check that the download folder has space for a second copy of the image.')
}
