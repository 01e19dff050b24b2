// Taskbar progress, notifications and native theme in the Electron main process. Electron
// cannot run here, so `electron` is a recording stand-in; the hub and the code are real.
import { describe, expect, it, vi } from 'vitest'
import type { DownloadInfo, SettingsState, WriteJob } from '../../src/shared/contract'

const shown = vi.hoisted(() => ({ notes: [] as Array<{ title: string; body: string }>, theme: 'system' }))
vi.mock('electron', () => ({
  Notification: class {
    static isSupported = () => true
    constructor(private n: { title: string; body: string }) {}
    show() {
      shown.notes.push(this.n)
    }
  },
  nativeTheme: {
    set themeSource(v: string) {
      shown.theme = v
    },
    get themeSource() {
      return shown.theme
    }
  }
}))

const { attachDesktopIntegration } = await import('../../src/main/desktop/integration')
const { EventHub } = await import('../../src/main/services/system/events')

const job = (stage: WriteJob['stage'], bytes: number, targetStage = stage): WriteJob => ({
  jobId: 'j1',
  image: '/x.iso',
  imageSize: 100,
  verify: true,
  after: 'none',
  stage,
  targets: [{ id: 'd', device: '/dev/sdz', model: 'Stick', size: 1000, stage: targetStage, bytes, total: 100, percent: bytes, speed: 1 }],
  startedAt: '',
  message: stage === 'done' ? 'Written and verified on 1 drive' : stage === 'failed' ? 'Failed: I/O error at 4096' : ''
})
const download = (status: DownloadInfo['status'], bytes: number): DownloadInfo => ({
  id: 'd1',
  name: 'Hyperscale.iso',
  path: '/tmp/Hyperscale.iso',
  status,
  bytes,
  total: 200,
  notes: [],
  startedAt: '',
  updatedAt: '',
  verification:
    status === 'done'
      ? {
          state: 'signed-by-trusted-key',
          file: '/tmp/Hyperscale.iso',
          algorithm: 'sha256',
          actual: 'ab',
          signature: { status: 'good', keyIds: [], message: 'good' },
          message: 'ok',
          warnings: []
        }
      : undefined
})

describe('desktop integration (stand-in electron)', () => {
  it('shows one taskbar progress over writes and downloads, clears it, and notifies once per outcome', () => {
    const hub = new EventHub()
    const bars: number[] = []
    const win = { isDestroyed: () => false, setProgressBar: (v: number) => bars.push(v) }
    attachDesktopIntegration(hub, () => win as never)

    hub.emit('drives.progress', job('write', 50))
    expect(bars.at(-1)).toBeCloseTo(0.25) // half written, verify still to come
    hub.emit('spins.progress', download('downloading', 150))
    expect(bars.at(-1)).toBeCloseTo((0.25 + 0.75) / 2)
    hub.emit('drives.progress', job('verify', 100))
    hub.emit('drives.progress', job('done', 100))
    expect(bars.at(-1)).toBeCloseTo(0.75)
    hub.emit('spins.progress', download('done', 200))
    expect(bars.at(-1)).toBe(-1) // nothing running: bar removed
    hub.emit('drives.progress', job('done', 100)) // repeated final event
    expect(shown.notes).toEqual([
      { title: 'USB drive written and verified', body: 'Written and verified on 1 drive' },
      { title: 'Download finished', body: 'Hyperscale.iso: Verified: signed by a trusted key' }
    ])
  })

  it('says a failed write failed, and the native theme follows the theme setting', () => {
    shown.notes.length = 0
    const hub = new EventHub()
    attachDesktopIntegration(hub, () => null)
    hub.emit('drives.progress', { ...job('failed', 10), jobId: 'j2' })
    expect(shown.notes).toEqual([{ title: 'Writing failed', body: 'Failed: I/O error at 4096' }])
    const state: SettingsState = {
      settings: { theme: 'dark', downloadDir: '', verifyAfterWrite: true, keepDownloadsAfterWrite: true, catalogueSources: [], importedKeys: [], proxy: '' }
    }
    hub.emit('settings.changed', state)
    expect(shown.theme).toBe('dark')
  })
})
