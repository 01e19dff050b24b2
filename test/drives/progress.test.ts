import { describe, expect, it } from 'vitest'
import { jobFraction, jobOutcome } from '../../src/main/services/drives/progress'
import type { WriteJob, WriteTargetState } from '../../src/shared/contract/drives'

const target = (stage: WriteTargetState['stage'], bytes: number, total = 100): WriteTargetState => ({
  id: `/t/${stage}${bytes}`,
  device: '/dev/sdx',
  model: 'Stick',
  size: 1000,
  stage,
  bytes,
  total,
  percent: 0,
  speed: 0
})
const job = (targets: WriteTargetState[], verify = true, stage: WriteJob['stage'] = 'write'): WriteJob => ({
  jobId: 'j',
  image: '/i.iso',
  imageSize: 100,
  verify,
  after: 'none',
  stage,
  targets,
  startedAt: '',
  message: 'Written and verified on /dev/sdx'
})

describe('taskbar progress of a write job', () => {
  it('counts writing and verifying as halves, averaged over drives', () => {
    expect(jobFraction(job([target('write', 50)]))).toBe(0.25)
    expect(jobFraction(job([target('write', 50)], false))).toBe(0.5)
    expect(jobFraction(job([target('sync', 0)]))).toBe(0.5)
    expect(jobFraction(job([target('verify', 50)], true, 'verify'))).toBe(0.75)
    // A drive that already failed counts as finished; the other is half written.
    expect(jobFraction(job([target('failed', 10), target('write', 100)]))).toBe(0.75)
    expect(jobFraction(job([target('open', 0)], true, 'open'))).toBe(0)
  })
  it('ends with no bar and a notification that names the outcome', () => {
    expect(jobFraction(job([target('done', 100)], true, 'done'))).toBeUndefined()
    expect(jobOutcome(job([], true, 'done'))).toMatchObject({ ok: true, title: 'USB drive written and verified' })
    expect(jobOutcome(job([], true, 'failed')).title).toBe('Writing failed')
  })
})

describe('taskbar progress and notification of a verify or backup job', () => {
  it('is one phase, and the notification names what was done, not a write', () => {
    const verify: WriteJob = { ...job([target('verify', 25)], true, 'verify'), kind: 'verify' }
    expect(jobFraction(verify)).toBe(0.25)
    const backup: WriteJob = { ...job([target('read', 75)], false, 'read'), kind: 'backup', message: 'Backed up' }
    expect(jobFraction(backup)).toBe(0.75)
    expect(jobOutcome({ ...backup, stage: 'done' })).toEqual({ title: 'Stick backed up', body: 'Backed up', ok: true })
    expect(jobOutcome({ ...verify, stage: 'failed' }).title).toBe('Verifying the stick failed')
  })
})
