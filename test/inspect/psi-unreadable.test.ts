// The "PSI files exist but cannot be read" state: systemd-oomd's ConditionPathExists would
// pass on them, so the report must not call PSI absent, off or fine. A fixture root: the
// live /proc/pressure cannot be made unreadable here (root reads any file), so a directory
// stands where a pressure file should be and another file holds text that is not PSI.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fixture, inspectRoot, makeRoot } from './fixture-root'

const R = '6.12.0-77.el10.x86_64'
const made = makeRoot({
  '/proc/sys/kernel/osrelease': R,
  [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
  '/proc/cmdline': 'ro psi=1\n',
  '/proc/pressure/cpu': 'some avg10=1.25 avg60=0.50 avg300=0.10 total=4242\n',
  '/proc/pressure/io': 'this is not a pressure file\n'
})
mkdirSync(path.join(made.root, 'proc/pressure/memory'))
afterAll(made.cleanup)

describe('PSI files that exist but cannot be read (fixture root)', async () => {
  const { get } = await inspectRoot(made.root)

  it('reports "unreadable" with a warning naming the files, not absent, off or available', () => {
    const c = get('psi.state')
    expect(c.details).toMatchObject({ state: 'unreadable' })
    expect(c.status).toBe('warn')
    // memory is a directory (not readable); io holds text that is not PSI (unparseable): both named.
    expect(c.value).toBe('/proc/pressure present but memory not readable; io unparseable')
    expect(c.evidence.find((e) => e.source === '/proc/pressure/memory')?.excerpt).toMatch(/is a directory, not a regular file/)
    expect(c.evidence.find((e) => e.source === '/proc/pressure/io')?.excerpt).toMatch(/^unparseable: /)
  })

  it('shows the pressure that could be read, but does not call it ok', () => {
    const p = get('psi.pressure')
    expect(p.status).toBe('unknown')
    expect(p.value).toMatch(/^cpu: /)
  })
})
