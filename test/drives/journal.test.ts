import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { JobJournal } from '../../src/main/services/drives/journal'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-journal-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const job = (jobId: string) => ({ jobId, image: '/x.iso', imageSize: 1, verify: true, after: 'none', stage: 'done', targets: [], startedAt: '', message: '' })

describe('write-job journal files are hostile input (other same-user processes can write them)', () => {
  it('never follows content to another path, never blocks on a FIFO, ignores mismatched ids', () => {
    const dir = path.join(tmp, 'write-jobs')
    mkdirSync(dir, { recursive: true })
    const victim = path.join(tmp, 'victim.json')
    writeFileSync(victim, '{}')
    // 25 old entries whose content names a job id that walks out of the folder.
    for (let i = 0; i < 25; i++) {
      const name = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}.json`
      writeFileSync(path.join(dir, name), JSON.stringify({ pid: 1 << 30, job: job('../victim') }))
    }
    execFileSync('mkfifo', [path.join(dir, '11111111-1111-1111-1111-111111111111.json')])
    const loaded = new JobJournal(dir).load()
    expect(loaded).toEqual([])
    expect(existsSync(victim)).toBe(true)
  })
})
