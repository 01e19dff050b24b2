import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WriteJob } from '../../src/shared/contract'
import { runHsc as hsc } from '../support/hsc'
import { PROJECT_ROOT } from '../support/paths'
import { cmpPrefix, flipBits, loopDelete, loopSetup, makeIso, sha256File, tmpDir, udisksSkipReason } from './support'

const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const skip = !built ? 'run npm run build first (npm test does)' : await udisksSkipReason()
const noZstd = spawnSync('zstd', ['--version']).status === 0 ? undefined : 'zstd is not installed'
const MiB = 1024 * 1024

describe.skipIf(!!skip || !!noZstd)(
  `hsc write IMAGE.zst, hsc drives verify / backup (built CLI, real udisksd)${skip || noZstd ? ` — skipped: ${skip ?? noZstd}` : ''}`,
  () => {
    const loops: string[] = []
    let dir = ''
    let iso = ''
    let zst = ''
    const on = { HSC_TEST_ALLOW_LOOP: '1' }
    beforeAll(() => {
      dir = tmpDir('hsc-cli-read-')
      iso = makeIso(dir, 6)
      zst = `${iso}.zst`
      execFileSync('zstd', ['-q', '-1', iso, '-o', zst])
    })
    afterAll(() => {
      loops.forEach(loopDelete)
      rmSync(dir, { recursive: true, force: true })
    })
    const loop = (name: string, bytes: number): { dev: string; file: string } => {
      const file = path.join(dir, name)
      const dev = loopSetup(file, bytes)
      loops.push(dev)
      return { dev, file }
    }

    it('write IMAGE.zst checks the compressed file against --sha256 and shows both sizes; verify exits 0 on a match, 1 naming the offset on a difference', async () => {
      const { dev, file } = loop('cli-verify.img', 16 * MiB)
      const w = await hsc(['write', '--yes', '--sha256', sha256File(zst), zst, dev], on)
      expect(w.status, w.stderr).toBe(0)
      expect(w.stderr).toMatch(/\(zstd, [\d.]+ [kM]B file\)/)
      expect(w.stdout).toContain(`zstd file SHA-256 ${sha256File(zst)}`)
      expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)

      const ok = await hsc(['drives', 'verify', dev, zst], on)
      expect(ok.status, ok.stderr).toBe(0)
      expect(ok.stdout).toMatch(/holds exactly the image/)

      const at = 3 * MiB + 77
      flipBits(file, at, 0x5a)
      const bad = await hsc(['drives', 'verify', '--json', dev, iso], on)
      expect(bad.status).toBe(1)
      const job = JSON.parse(bad.stdout) as WriteJob
      expect(job.targets[0].error).toMatchObject({ name: 'VerificationMismatch', offset: at })
    })

    it('backup writes FILE with its SHA-256 (exit 0), refuses an existing FILE (exit 1) unless --overwrite, and a bad --compress (exit 2)', async () => {
      const { dev, file } = loop('cli-backup.img', 12 * MiB)
      execFileSync('dd', [`if=${iso}`, `of=${dev}`, 'bs=1M', 'oflag=direct', 'conv=fsync', 'status=none'])
      const out = path.join(dir, 'stick.img.zst')
      const r = await hsc(['drives', 'backup', '--compress', 'zstd', dev, out], on)
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toContain(`SHA-256 ${sha256File(iso)}`)
      expect(r.stdout).toMatch(/up to the end of its ISO 9660 filesystem/)
      expect(
        execFileSync('zstd', ['-dc', out], { maxBuffer: 64 * MiB }).equals(
          execFileSync('head', ['-c', String(statSync(iso).size), file], { maxBuffer: 64 * MiB })
        )
      ).toBe(true)

      writeFileSync(path.join(dir, 'taken.img'), 'mine')
      const exists = await hsc(['drives', 'backup', dev, path.join(dir, 'taken.img')], on)
      expect(exists.status).toBe(1)
      expect(exists.stderr).toMatch(/already exists; nothing was read/)
      const replaced = await hsc(['drives', 'backup', '--whole', '--overwrite', dev, path.join(dir, 'taken.img')], on)
      expect(replaced.status, replaced.stderr).toBe(0)
      expect(statSync(path.join(dir, 'taken.img')).size).toBe(12 * MiB)

      const usage = await hsc(['drives', 'backup', '--compress', 'xz', dev, path.join(dir, 'x.img')], on)
      expect(usage.status).toBe(2)
    })
  }
)
