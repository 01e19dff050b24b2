/**
 * Builds a mirror tree for the spin tests: real ISO images made with xorriso (padded with
 * random data so cuts land inside real content), checksum files written by coreutils
 * (`sha256sum` GNU style, `sha256sum --tag` BSD style, plus `# name: N bytes` lines like
 * CentOS CHECKSUM files), one clear-signed with a throwaway gpg key, and productmd
 * images.json files. Two composes per stream so that "newest" means something.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile, copyFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { TestKey } from './gpg'

const run = promisify(execFile)

export interface MirrorIso {
  /** Path relative to the mirror root. */
  rel: string
  name: string
  size: number
  /** From `sha256sum`, not from the code under test. */
  sha256: string
}

export interface MirrorTree {
  root: string
  isos: Record<string, MirrorIso>
  dispose(): Promise<void>
}

async function makeIso(file: string, label: string, mib: number, work: string): Promise<void> {
  const dir = await mkdtemp(path.join(work, 'isodir-'))
  await writeFile(path.join(dir, 'README.txt'), `${label}\n`)
  await writeFile(path.join(dir, 'payload.bin'), randomBytes(mib * 1024 * 1024))
  await run('xorriso', ['-as', 'mkisofs', '-quiet', '-o', file, '-V', label.slice(0, 32), dir])
  await rm(dir, { recursive: true, force: true })
}

async function sha256sum(dir: string, names: string[], bsd: boolean): Promise<string> {
  const { stdout } = await run('sha256sum', [...(bsd ? ['--tag'] : []), ...names], { cwd: dir, encoding: 'utf8' })
  return stdout
}

/** CentOS-style CHECKSUM: "# name: N bytes" before each `sha256sum --tag` line. */
async function centosChecksum(dir: string, names: string[]): Promise<string> {
  const lines: string[] = []
  for (const n of names) {
    lines.push(`# ${n}: ${(await stat(path.join(dir, n))).size} bytes`)
    lines.push((await sha256sum(dir, [n], true)).trimEnd())
  }
  return lines.join('\n') + '\n'
}

const day = (iso: string): Date => new Date(`${iso}T12:00:00Z`)

export async function buildMirror(key: TestKey, opts: { mib?: number } = {}): Promise<MirrorTree> {
  const mib = opts.mib ?? 3
  const root = await mkdtemp(path.join(os.tmpdir(), 'hsc-mirror-'))
  const work = await mkdtemp(path.join(os.tmpdir(), 'hsc-mirror-work-'))
  const isos: Record<string, MirrorIso> = {}

  const addIso = async (relDir: string, name: string, label: string, date: string, size = mib): Promise<void> => {
    const dir = path.join(root, relDir)
    await mkdir(dir, { recursive: true })
    const file = path.join(dir, name)
    await makeIso(file, label, size, work)
    await utimes(file, day(date), day(date))
    const sum = (await sha256sum(dir, [name], false)).split(/\s+/)[0]
    isos[`${relDir}/${name}`] = { rel: `${relDir}/${name}`, name, size: (await stat(file)).size, sha256: sum }
  }

  // --- Stream 9 x86_64: autoindex, compose subdirectories.
  const old9 = 'hs/9/x86_64/20240105.0'
  const new9 = 'hs/9/x86_64/20240301.1'
  const n = (compose: string, v: string): string => `CentOS-Stream-Hyperscale-9-${compose}-x86_64-Live-${v}.iso`
  await addIso(old9, n('20240105.0', 'GNOME'), 'HS9_GNOME_0105', '2024-01-05')
  await addIso(old9, n('20240105.0', 'KDE'), 'HS9_KDE_0105', '2024-01-05')
  await writeFile(path.join(root, old9, 'CHECKSUM'), await centosChecksum(path.join(root, old9), [n('20240105.0', 'GNOME'), n('20240105.0', 'KDE')]))
  await addIso(new9, n('20240301.1', 'GNOME'), 'HS9_GNOME_0301', '2024-03-01')
  await addIso(new9, n('20240301.1', 'KDE'), 'HS9_KDE_0301', '2024-03-01')
  // A non-live image in the same folder must not become a spin.
  await addIso(new9, 'CentOS-Stream-Hyperscale-9-20240301.1-x86_64-boot.iso', 'HS9_BOOT', '2024-03-01', 1)
  const plain9 = await centosChecksum(path.join(root, new9), [n('20240301.1', 'GNOME'), n('20240301.1', 'KDE')])
  await writeFile(path.join(work, 'CHECKSUM'), plain9)
  await key.clearsign(path.join(work, 'CHECKSUM'), path.join(root, new9, 'CHECKSUM'))
  // GNU-style per-image file as well.
  await writeFile(path.join(root, new9, `${n('20240301.1', 'KDE')}.SHA256SUM`), await sha256sum(path.join(root, new9), [n('20240301.1', 'KDE')], false))
  // A directory the source's data excludes (a package repository beside the images).
  await mkdir(path.join(root, 'hs/9/x86_64/packages-main/Packages'), { recursive: true })
  await addIso('hs/9/x86_64/packages-main', 'CentOS-Stream-Hyperscale-9-20991231.0-x86_64-Live-GNOME.iso', 'EXCLUDED', '2024-04-01', 1)

  // --- Stream 10 aarch64: flat folder with a GNU SHA256SUMS.
  const a10 = 'hs/10/aarch64'
  const a10name = 'CentOS-Stream-Hyperscale-10-20240210.0-aarch64-Live-GNOME.iso'
  await addIso(a10, a10name, 'HS10_A64_GNOME', '2024-02-10')
  await writeFile(path.join(root, a10, 'SHA256SUMS'), await sha256sum(path.join(root, a10), [a10name], false))

  // --- Stream 10 x86_64: two productmd composes.
  for (const [compose, date, respin] of [
    ['20240101', '2024-01-01', 0],
    ['20240220', '2024-02-20', 2]
  ] as const) {
    const base = `compose/Hyperscale-10-${compose}.${respin}/compose`
    const isoDir = `${base}/Spins/x86_64/iso`
    const images: unknown[] = []
    const names: string[] = []
    for (const v of ['GNOME', 'KDE']) {
      const name = `CentOS-Stream-Hyperscale-Live-${v}-10-${compose}.${respin}.x86_64.iso`
      names.push(name)
      await addIso(isoDir, name, `HS10_${v}_${compose}`, date)
      const info = isos[`${isoDir}/${name}`]
      images.push({
        arch: 'x86_64',
        bootable: true,
        checksums: { sha256: info.sha256 },
        disc_count: 1,
        disc_number: 1,
        format: 'iso',
        implant_md5: null,
        mtime: Math.floor(day(date).getTime() / 1000),
        path: `Spins/x86_64/iso/${name}`,
        size: info.size,
        subvariant: v,
        type: 'live',
        volume_id: `HS10-${v}`
      })
    }
    const bootName = `CentOS-Stream-Hyperscale-10-${compose}.${respin}-x86_64-boot.iso`
    await addIso(isoDir, bootName, 'HS10_BOOT', date, 1)
    images.push({
      arch: 'x86_64',
      bootable: true,
      checksums: { sha256: isos[`${isoDir}/${bootName}`].sha256 },
      disc_count: 1,
      disc_number: 1,
      format: 'iso',
      implant_md5: null,
      mtime: 0,
      path: `Spins/x86_64/iso/${bootName}`,
      size: 1,
      subvariant: 'Spins',
      type: 'boot',
      volume_id: null
    })
    await writeFile(
      path.join(root, isoDir, `CentOS-Stream-Hyperscale-10-${compose}.${respin}-x86_64-CHECKSUM`),
      await centosChecksum(path.join(root, isoDir), names)
    )
    await mkdir(path.join(root, base, 'metadata'), { recursive: true })
    const doc = {
      header: { type: 'productmd.images', version: '1.2' },
      payload: {
        compose: { date: compose, id: `CentOS-Stream-Hyperscale-10-${compose}.${respin}`, respin, type: 'production' },
        images: { Spins: { x86_64: images } }
      }
    }
    await writeFile(path.join(root, base, 'metadata', 'images.json'), JSON.stringify(doc, null, 4))
  }

  // --- Damaged copies for the failure tests (same names, so the checksum files apply).
  const kde9 = isos[`${new9}/${n('20240301.1', 'KDE')}`]
  await mkdir(path.join(root, 'corrupt'), { recursive: true })
  const bad = Buffer.from(await readFile(path.join(root, kde9.rel)))
  bad[Math.floor(bad.length / 2)] ^= 0x01
  await writeFile(path.join(root, 'corrupt', kde9.name), bad)
  await copyFile(path.join(root, new9, 'CHECKSUM'), path.join(root, 'corrupt', 'CHECKSUM'))
  await mkdir(path.join(root, 'tampered'), { recursive: true })
  await copyFile(path.join(root, kde9.rel), path.join(root, 'tampered', kde9.name))
  const signed = await readFile(path.join(root, new9, 'CHECKSUM'), 'utf8')
  // Change one digit of the signed KDE hash: the signature no longer matches.
  const at = signed.indexOf(kde9.sha256) + 10
  const tampered = signed.slice(0, at) + (signed[at] === '0' ? '1' : '0') + signed.slice(at + 1)
  await writeFile(path.join(root, 'tampered', 'CHECKSUM'), tampered)
  await mkdir(path.join(root, 'broken'), { recursive: true })
  await writeFile(path.join(root, 'broken', 'CHECKSUM.truncated'), plain9.slice(0, plain9.length - 20))
  await writeFile(path.join(root, 'broken', 'CHECKSUM.garbage'), '<html><body><h1>Welcome to nginx!</h1></body></html>\n')

  await rm(work, { recursive: true, force: true })
  return { root, isos, dispose: () => rm(root, { recursive: true, force: true }) }
}
