/**
 * `hsc write` with a customise option on a loop drive (real udisksd, HSC_TEST_ALLOW_LOOP):
 * the copy is made from the verified original and written, checked against the copy's hash.
 * Persistence is not asked for here: on this host kernel a loop device shows no partitions,
 * so the UDisks2 partition step runs in the VM tier (test/vm, check customise.persist).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WriteJob, CustomiseRecord } from '../../src/shared/contract'
import { runHsc } from '../support/hsc'
import { PROJECT_ROOT } from '../support/paths'
import { cmpPrefix, loopDelete, loopSetup, sha256File, tmpDir, udisksSkipReason } from '../drives/support'
import { buildLiveIso, liveIsoSkipReason } from './support/live-iso'

const built = fs.existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const skip = !built ? 'run npm run build first (npm test does)' : (liveIsoSkipReason() ?? (await udisksSkipReason()))

describe.skipIf(!!skip)(`hsc write --kernel-arg on a loop drive${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let dir = ''
  let dev = ''
  let iso = ''
  let env: Record<string, string>
  beforeAll(() => {
    dir = tmpDir('hsc-customise-write-')
    iso = buildLiveIso(path.join(dir, 'build')).iso
    dev = loopSetup(path.join(dir, 'stick.img'), 48 * 1024 * 1024)
    fs.mkdirSync(path.join(dir, 'Downloads'))
    env = { HSC_TEST_ALLOW_LOOP: '1', HSC_DOWNLOAD_DIR: path.join(dir, 'Downloads'), HSC_CACHE_DIR: path.join(dir, 'cache'), TMPDIR: dir }
  })
  afterAll(() => {
    if (dev) loopDelete(dev)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('writes the customised copy, never the original, and verifies it against the copy’s hash', async () => {
    const sha = sha256File(iso)
    const r = await runHsc(['write', iso, dev, '--sha256', sha, '--kernel-arg', 'psi=1', '--yes', '--json'], env)
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as WriteJob & { customised: CustomiseRecord }
    expect(out.customised.sourceSha256).toBe(sha)
    expect(out.image).toBe(out.customised.path)
    expect(out.expectedSha256).toBe(out.customised.sha256)
    expect(out.targets[0]).toMatchObject({ stage: 'done', verified: true, readBackSha256: out.customised.sha256 })
    expect(cmpPrefix(out.customised.path, dev, out.customised.size).same).toBe(true)
    expect(sha256File(iso)).toBe(sha)
  })
})
