/**
 * A mirror tree laid out like the SIG's spin folders on mirror.stream.centos.org:
 *   SIGs/9-stream/hyperscale/images/experimental/{x86_64,aarch64}/   per-arch folders
 *   SIGs/9-stream/hyperscale/images/main/                            a second channel, flat, arch in names
 *   SIGs/9-stream/hyperscale/images/kernel/                          a package repository (repodata/) with an ISO that must be ignored
 *   SIGs/10-stream/hyperscale/images/experimental/{x86_64,aarch64}/  folders without any .iso file
 * Real ISO images (xorriso), checksum files written by coreutils, one clear-signed and one
 * detached signature made by real gpg, createrepo_c metadata for the package repository.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { TestKey } from './gpg'

const run = promisify(execFile)

export const IMAGES_9 = 'SIGs/9-stream/hyperscale/images'
export const IMAGES_10 = 'SIGs/10-stream/hyperscale/images'

export interface SigIso {
  rel: string
  name: string
  size: number
  sha256: string
}

export interface SigTree {
  root: string
  isos: Record<string, SigIso>
  dispose(): Promise<void>
}

export async function buildSigTree(key: TestKey): Promise<SigTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'hsc-sigtree-'))
  const work = await mkdtemp(path.join(os.tmpdir(), 'hsc-sigtree-work-'))
  const isos: Record<string, SigIso> = {}
  const sha256sum = async (dir: string, names: string[], bsd = false) =>
    (await run('sha256sum', [...(bsd ? ['--tag'] : []), ...names], { cwd: dir, encoding: 'utf8' })).stdout

  const addIso = async (relDir: string, name: string, date: string): Promise<SigIso> => {
    const dir = path.join(root, relDir)
    await mkdir(dir, { recursive: true })
    const content = await mkdtemp(path.join(work, 'iso-'))
    await writeFile(path.join(content, 'README.txt'), `${name}\n`)
    await writeFile(path.join(content, 'pad.bin'), Buffer.alloc(256 * 1024, name.length))
    await run('xorriso', ['-as', 'mkisofs', '-quiet', '-o', path.join(dir, name), '-V', 'HSC_TEST', content])
    const when = new Date(`${date}T08:00:00Z`)
    await utimes(path.join(dir, name), when, when)
    const iso = { rel: `${relDir}/${name}`, name, size: (await stat(path.join(dir, name))).size, sha256: (await sha256sum(dir, [name])).split(/\s+/)[0] }
    isos[iso.rel] = iso
    return iso
  }

  // experimental/x86_64: two dates of one spin, a clear-signed BSD CHECKSUM for both, and a
  // per-image .sha256 for the newer one.
  const ex86 = `${IMAGES_9}/experimental/x86_64`
  const oldKde = await addIso(ex86, 'CentOS-Stream-Hyperscale-9-KDE-20240601.0.x86_64.iso', '2024-06-01')
  const newKde = await addIso(ex86, 'CentOS-Stream-Hyperscale-9-KDE-20240710.0.x86_64.iso', '2024-07-10')
  await writeFile(path.join(work, 'CHECKSUM'), await sha256sum(path.join(root, ex86), [oldKde.name, newKde.name], true))
  await key.clearsign(path.join(work, 'CHECKSUM'), path.join(root, ex86, 'CHECKSUM'))
  await writeFile(path.join(root, ex86, `${newKde.name}.sha256`), await sha256sum(path.join(root, ex86), [newKde.name]))

  // experimental/aarch64: GNU SHA256SUMS with a detached signature beside it.
  const exArm = `${IMAGES_9}/experimental/aarch64`
  const armKde = await addIso(exArm, 'CentOS-Stream-Hyperscale-9-KDE-20240710.0.aarch64.iso', '2024-07-10')
  await writeFile(path.join(root, exArm, 'SHA256SUMS'), await sha256sum(path.join(root, exArm), [armKde.name]))
  await run('gpg', [
    '--batch',
    '--homedir',
    key.home,
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--local-user',
    key.fingerprint,
    '--detach-sign',
    '--output',
    path.join(root, exArm, 'SHA256SUMS.sig'),
    path.join(root, exArm, 'SHA256SUMS')
  ])

  // main: a second channel, flat, the arch only in the names; an installer ISO that is no spin.
  const main = `${IMAGES_9}/main`
  const gnome = await addIso(main, 'CentOS-Stream-9-Hyperscale-Workstation-x86_64-20240801.iso', '2024-08-01')
  await writeFile(path.join(root, main, `${gnome.name}.sha256`), await sha256sum(path.join(root, main), [gnome.name]))
  await addIso(main, 'CentOS-Stream-9-Hyperscale-x86_64-boot.iso', '2024-08-01')

  // kernel: a package repository that happens to sit here; its live-looking ISO is not a spin.
  const repo = `${IMAGES_9}/kernel`
  await mkdir(path.join(root, repo, 'Packages'), { recursive: true })
  await addIso(repo, 'CentOS-Stream-Hyperscale-9-KDE-29991231.0.x86_64.iso', '2024-09-01')
  await run('createrepo_c', ['--quiet', path.join(root, repo)])

  // Stream 10: channel and arch folders, but nothing in them yet.
  for (const arch of ['x86_64', 'aarch64']) {
    await mkdir(path.join(root, IMAGES_10, 'experimental', arch), { recursive: true })
  }
  await writeFile(path.join(root, IMAGES_10, 'experimental', 'x86_64', 'README'), 'coming soon\n')

  await rm(work, { recursive: true, force: true })
  return { root, isos, dispose: () => rm(root, { recursive: true, force: true }) }
}
