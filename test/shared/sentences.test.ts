import { describe, expect, it } from 'vitest'
import { humanizeError } from '../../src/shared/error-sentences'
import { errnoText } from '../../src/shared/errno-text'
import { didYouMean } from '../../src/cli/suggest'
import { jobProgress, targetFraction } from '../../src/shared/write-progress'
import { firstSentence, needsAction } from '../../src/shared/check-triage'
import type { Check, WriteJob, WriteTargetState } from '../../src/shared/contract'

describe('errors are sentences', () => {
  it('drops internal prefixes and names the field of a validation error', () => {
    expect(humanizeError({ name: 'ValidationError', message: 'settings.update: downloadDir: must be empty (default) or an absolute path' })).toEqual({
      message: '"downloadDir" was not accepted: must be empty (default) or an absolute path.',
      hint: undefined,
      detail: undefined
    })
    expect(humanizeError({ message: 'validate: the file is empty' }).message).toBe('the file is empty')
  })

  it('maps a raw Node errno message to a sentence and keeps the raw text as detail', () => {
    const h = humanizeError({ message: "ENOENT: no such file or directory, open '/home/me/x.iso'" })
    expect(h.message).toBe('"x.iso" does not exist.')
    expect(h.detail).toBe("ENOENT: no such file or directory, open '/home/me/x.iso'")
    expect(humanizeError({ message: 'EADDRINUSE: address already in use 127.0.0.1:8080' }).hint).toMatch(/Pick another port with --port/)
  })

  it('turns "no systemd on the bus" into a sentence; the D-Bus name only in detail', () => {
    const raw = 'No systemd manager is on the system bus (org.freedesktop.systemd1 has no owner).'
    const h = humanizeError({ message: raw, hint: undefined })
    expect(h.message).toBe('systemd is not running on this machine, so services cannot be turned on or off from here.')
    expect(h.message).not.toContain('org.freedesktop')
    expect(h.detail).toBe(raw)
  })

  it('moves a parenthesised D-Bus error name out of the sentence', () => {
    const h = humanizeError({ message: 'Could not unmount /dev/sdb1 (org.freedesktop.UDisks2.Error.DeviceBusy: target is busy).' })
    expect(h.message).toBe('Could not unmount /dev/sdb1.')
    expect(h.detail).toContain('DeviceBusy')
  })

  it('leaves sentences alone', () => {
    expect(humanizeError({ message: 'The SHA-256 must be 64 hex digits.', hint: 'Copy it.' })).toEqual({
      message: 'The SHA-256 must be 64 hex digits.',
      hint: 'Copy it.',
      detail: undefined
    })
  })

  it('ENOTSUP from the reflink test says what to use', () => {
    expect(errnoText('ENOTSUP', 'x')).toEqual({ message: 'This filesystem cannot clone files.', hint: expect.stringMatching(/btrfs, or XFS with reflink/) })
    expect(errnoText('EWHATEVER', 'x')).toBeUndefined()
  })
})

describe('CLI did-you-mean', () => {
  it('suggests the close command, not a far one', () => {
    const cmds = ['inspect', 'repos', 'oomd', 'spins', 'drives', 'settings', 'gui']
    expect(didYouMean('inpsect', cmds)).toBe('inspect')
    expect(didYouMean('repo', cmds)).toBe('repos')
    expect(didYouMean('drvies', cmds)).toBe('drives')
    expect(didYouMean('xyzzy', cmds)).toBeUndefined()
    expect(didYouMean('lst', ['list', 'enable', 'disable'])).toBe('list')
  })
})

describe('one progress over the whole write job', () => {
  const t = (stage: WriteTargetState['stage'], bytes = 0, total = 100): WriteTargetState => ({
    id: 'a',
    device: '/dev/sdb',
    model: 'm',
    size: 1000,
    stage,
    bytes,
    total,
    percent: total ? (bytes / total) * 100 : 0,
    speed: 10
  })
  const job = (target: WriteTargetState, verify = true): WriteJob => ({
    jobId: 'j',
    image: '/x.iso',
    imageSize: 100,
    verify,
    after: 'eject',
    stage: target.stage,
    targets: [target],
    startedAt: '',
    message: ''
  })

  it('only moves forward through the phases, verification starts where writing ended', () => {
    const seq = [
      t('queued'),
      t('unmount'),
      t('open'),
      t('write', 0),
      t('write', 50),
      t('write', 100),
      t('sync'),
      t('verify', 0),
      t('verify', 50),
      t('verify', 100),
      t('eject'),
      t('done')
    ]
    const pct = seq.map((s) => jobProgress(job(s)).percent)
    for (let i = 1; i < pct.length; i++) expect(pct[i]).toBeGreaterThanOrEqual(pct[i - 1])
    expect(pct.at(-1)).toBe(100)
    expect(jobProgress(job(t('verify', 0))).percent).toBeGreaterThan(50)
    expect(jobProgress(job(t('verify', 0))).phase).toBe('verifying')
  })

  it('without verification, writing takes almost all of the bar', () => {
    expect(targetFraction(t('write', 100), false)).toBeGreaterThan(0.9)
  })

  it('ETA while writing includes the read-back still ahead', () => {
    const p = jobProgress(job(t('write', 50)))
    expect(p.etaSeconds).toBe((50 + 100) / 10)
    expect(jobProgress(job(t('verify', 50))).etaSeconds).toBe(5)
  })
})

describe('what needs action', () => {
  const c = (over: Partial<Check>): Check => ({
    id: 'x',
    group: 'system',
    title: 'X',
    status: 'warn',
    value: '',
    evidence: [],
    remedy: { text: 'Do this. Then that.' },
    ...over
  })
  it('a warning with a remedy needs action; informational facts and not-applicable ones do not', () => {
    expect(needsAction(c({}))).toBe(true)
    expect(needsAction(c({ status: 'ok' }))).toBe(false)
    expect(needsAction(c({ remedy: undefined }))).toBe(false)
    expect(needsAction(c({ id: 'os.release' }))).toBe(false)
    expect(needsAction(c({ notApplicable: true }))).toBe(false)
    expect(needsAction(c({ details: { actionable: false } }))).toBe(false)
    expect(firstSentence('Do this. Then that.')).toBe('Do this.')
    expect(firstSentence('Use /etc/x.conf, then reboot')).toBe('Use /etc/x.conf, then reboot')
  })
})
