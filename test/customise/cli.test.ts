/**
 * `hsc customise` and the customise options of `hsc write`, through the built CLI against
 * the real tools (xorriso, mtools) and a live ISO built in the test.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runHsc } from '../support/hsc'
import { buildLiveIso, isoFile, liveIsoSkipReason } from './support/live-iso'

const skip = liveIsoSkipReason()

describe.skipIf(Boolean(skip))(`hsc customise${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let work: string
  let iso: string
  let isoSha: string
  let env: Record<string, string>

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hsc-customise-cli-'))
    iso = buildLiveIso(path.join(work, 'build')).iso
    isoSha = createHash('sha256').update(fs.readFileSync(iso)).digest('hex')
    const downloads = path.join(work, 'Downloads')
    fs.mkdirSync(downloads)
    env = { HSC_DOWNLOAD_DIR: downloads, HSC_CACHE_DIR: path.join(work, 'cache'), XDG_CONFIG_HOME: path.join(work, 'config'), TMPDIR: work }
  })
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

  it('makes the copy in the download folder and prints both hashes', async () => {
    const r = await runHsc(['customise', iso, '--sha256', isoSha, '--kernel-arg', 'psi=1', '--kernel-arg', 'quiet', '--persist', '1G', '--json'], env)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.status).toBe(0)
    const rec = JSON.parse(r.stdout)
    expect(path.dirname(rec.path)).toBe(env.HSC_DOWNLOAD_DIR)
    expect(rec.sourceSha256).toBe(isoSha)
    expect(rec.sha256).toBe(createHash('sha256').update(fs.readFileSync(rec.path)).digest('hex'))
    expect(rec.persist).toEqual({ label: 'hsc-persist', sizeBytes: 1024 ** 3 })
    expect(rec.addedArgs).toEqual(['rd.live.overlay=LABEL=hsc-persist', 'rd.live.overlay.overlayfs', 'psi=1', 'quiet'])
    expect(isoFile(rec.path, '/boot/grub2/grub.cfg', path.join(work, 'g')).toString()).toContain('rd.live.overlay.overlayfs psi=1 quiet\n')

    const human = await runHsc(['customise', iso, '--sha256', isoSha, '--kernel-arg', 'psi=1', '--kernel-arg', 'quiet', '--persist', '1G'], env)
    expect(human.status).toBe(0)
    // Same choices, same file name: the second run replaced the first copy and its record.
    const again = JSON.parse(fs.readFileSync(`${rec.path}.customised.json`, 'utf8'))
    expect(again.path).toBe(rec.path)
    expect(human.stdout).toContain(`Customised image: ${rec.path}`)
    expect(human.stdout).toContain(`SHA-256 ${again.sha256}`)
    expect(human.stdout).toContain(`SHA-256 ${isoSha} (verified original)`)
  })

  it('refuses an image without a verified hash, and hostile arguments, with a sentence', async () => {
    const unverified = await runHsc(['customise', iso, '--kernel-arg', 'psi=1'], env)
    expect(unverified.status).not.toBe(0)
    expect(unverified.stderr).toContain('has no verified SHA-256')
    const hostile = await runHsc(['customise', iso, '--sha256', isoSha, '--kernel-arg', 'psi=1;reboot'], env)
    expect(hostile.status).not.toBe(0)
    expect(hostile.stderr).toContain('Kernel argument: "psi=1;reboot" is not allowed.')
    const size = await runHsc(['customise', iso, '--sha256', isoSha, '--persist', 'lots'], env)
    expect(size.status).not.toBe(0)
    expect(size.stderr).toContain('Persistence size: "lots" is not a size.')
    expect(fs.readdirSync(env.HSC_DOWNLOAD_DIR).filter((f) => f.endsWith('.part'))).toEqual([])
  })

  it('hsc write with a customise option refuses an unverified image before touching any drive', async () => {
    const r = await runHsc(['write', iso, '/dev/nonexistent', '--kernel-arg', 'psi=1', '--yes'], env)
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('has no verified SHA-256, so it is not customised')
  })
})
