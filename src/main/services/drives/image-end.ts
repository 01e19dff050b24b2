/**
 * Where the image on a stick ends, from the stick's own first bytes: the end of its last
 * partition (GPT, else MBR) and of an ISO 9660 filesystem on the whole disk (a plain ISO has
 * no partition table). Parsed here rather than asked from the kernel, which may not parse
 * partition tables at all (and UDisks2 then lists no partitions). Every byte is hostile: a
 * value outside the drive is ignored, never followed.
 */

export type ImageEndSource = 'gpt' | 'mbr' | 'iso9660'

export interface ImageEnd {
  /** Byte offset just past the last byte that belongs to a partition or the filesystem. */
  end: number
  from: ImageEndSource
}

/** How much of the start of a drive `findImageEnd` wants to see. */
export const IMAGE_END_PROBE = 1024 * 1024

const EMPTY_MBR_TYPES = new Set([0x00, 0xee])

function mbrEnd(head: Buffer, driveSize: number): number | undefined {
  if (head.length < 512 || head[510] !== 0x55 || head[511] !== 0xaa) return undefined
  let end: number | undefined
  for (let i = 0; i < 4; i++) {
    const e = 446 + 16 * i
    const type = head[e + 4]
    if (EMPTY_MBR_TYPES.has(type)) continue
    const start = head.readUInt32LE(e + 8)
    const count = head.readUInt32LE(e + 12)
    if (count === 0) continue
    // Logical partitions lie inside the extended one, so its end bounds them too.
    const stop = (start + count) * 512
    if (stop <= driveSize) end = Math.max(end ?? 0, stop)
  }
  return end
}

function gptEnd(head: Buffer, lba: number, driveSize: number): number | undefined {
  if (head.length < lba * 2) return undefined
  const h = head.subarray(lba, lba * 2)
  if (h.toString('latin1', 0, 8) !== 'EFI PART') return undefined
  const entriesLba = Number(h.readBigUInt64LE(72))
  const count = h.readUInt32LE(80)
  const entrySize = h.readUInt32LE(84)
  if (entrySize < 128 || entrySize > 4096 || entrySize % 8 || count > 16384) return undefined
  let end: number | undefined
  for (let i = 0; i < count; i++) {
    const off = entriesLba * lba + i * entrySize
    // Entries beyond the probed bytes are not read (a real table keeps them near the start).
    if (!Number.isSafeInteger(off) || off + entrySize > head.length) break
    const e = head.subarray(off, off + entrySize)
    if (e.subarray(0, 16).every((b) => b === 0)) continue
    const last = Number(e.readBigUInt64LE(40))
    const stop = (last + 1) * lba
    if (Number.isSafeInteger(stop) && stop <= driveSize) end = Math.max(end ?? 0, stop)
  }
  return end
}

function isoEnd(head: Buffer, driveSize: number): number | undefined {
  const pvd = 16 * 2048
  if (head.length < pvd + 2048) return undefined
  if (head[pvd] !== 1 || head.toString('latin1', pvd + 1, pvd + 6) !== 'CD001') return undefined
  const blocks = head.readUInt32LE(pvd + 80)
  const blockSize = head.readUInt16LE(pvd + 128)
  if (![512, 1024, 2048, 4096].includes(blockSize)) return undefined
  const stop = blocks * blockSize
  return stop > 0 && stop <= driveSize ? stop : undefined
}

/** The largest end any table or filesystem names; undefined when there is none. */
export function findImageEnd(head: Buffer, blockSize: number, driveSize: number): ImageEnd | undefined {
  const found: ImageEnd[] = []
  const gpt = [...new Set([512, blockSize])].map((lba) => gptEnd(head, lba, driveSize)).find((e) => e !== undefined)
  if (gpt !== undefined) found.push({ end: gpt, from: 'gpt' })
  else {
    const mbr = mbrEnd(head, driveSize)
    if (mbr !== undefined) found.push({ end: mbr, from: 'mbr' })
  }
  const iso = isoEnd(head, driveSize)
  if (iso !== undefined) found.push({ end: iso, from: 'iso9660' })
  return found.sort((a, b) => b.end - a.end)[0]
}
