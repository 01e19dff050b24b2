import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectBackend, type BackendConnection } from '../../src/main/backend/client'
import { forkNodeBackend } from '../../src/main/backend/node-process'
import type { BackendState, DriveList, EventName, WriteJob } from '../../src/shared/contract'
import { loopDelete, loopSetup, makeIso, readHead, tmpDir, udisksSkipReason } from '../drives/support'
import { PROJECT_ROOT } from '../support/paths'

const ENTRY = path.join(PROJECT_ROOT, 'out/cli/backend.mjs')
const built = existsSync(ENTRY)
const MiB = 1024 * 1024
const skipDrives = await udisksSkipReason()

/** Waits for the first event of `name` that matches. */
function nextEvent<T>(backend: BackendConnection, name: EventName, match: (p: T) => boolean, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const client = backend.hub.addClient((event, payload) => {
      if (event !== name || !match(payload as T)) return
      backend.hub.removeClient(client)
      clearTimeout(timer)
      resolve(payload as T)
    })
    backend.hub.subscribe(client, name)
    const timer = setTimeout(() => {
      backend.hub.removeClient(client)
      reject(new Error(`no ${name} event within ${timeoutMs} ms`))
    }, timeoutMs)
  })
}

describe.skipIf(!built)(
  `the service process under plain Node (Node fork stands in for Electron's utilityProcess)${built ? '' : ' (skipped: run npm run build first)'}`,
  () => {
    let dir = ''
    let backend: BackendConnection
    beforeAll(() => {
      dir = tmpDir('hsc-backend-')
      backend = connectBackend(
        () =>
          forkNodeBackend(ENTRY, {
            ...process.env,
            HSC_TEST_ALLOW_LOOP: '1',
            HSC_STATE_DIR: path.join(dir, 'state'),
            HSC_SETTINGS_FILE: path.join(dir, 'settings.json')
          }),
        { restartDelayMs: 50 }
      )
    })
    afterAll(async () => {
      await backend?.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('answers calls through the same router, validation included', async () => {
      const info = await backend.router.call('app.info', {})
      expect(info.ok && info.value.name).toBeTruthy()
      const bad = await backend.router.call('app.info', { extra: 1 })
      expect(bad.ok).toBe(false)
      if (!bad.ok) expect(bad.error.name).toBe('ValidationError')
    })

    it('the Electron main bundle holds no service code (drives, D-Bus, ptys, openpgp, downloads)', () => {
      const main = readFileSync(path.join(PROJECT_ROOT, 'out/main/index.js'), 'utf8')
      for (const marker of ['dbus-next', 'node-pty', 'openpgp', 'OpenDevice', 'WriteJobRunner', 'createHandlers']) expect(main, marker).not.toContain(marker)
    })

    it.skipIf(!!skipDrives)(
      `a backend killed mid-write is restarted and reports the write as interrupted, with stage and offset${skipDrives ? ` (skipped: ${skipDrives})` : ''}`,
      async () => {
        const iso = makeIso(dir, 384)
        const dev = loopSetup(path.join(dir, 'stick.img'), 512 * MiB)
        try {
          const size = statSync(iso).size
          const list = await backend.router.call('drives.list', { imageSize: size })
          if (!list.ok) throw new Error(list.error.message)
          const drive = (list.value as DriveList).drives.find((d) => d.device === dev)
          expect(drive?.offered).toBe(true)
          const writing = nextEvent<WriteJob>(backend, 'drives.progress', (j) => j.targets[0]?.stage === 'write' && j.targets[0].bytes > 0)
          const started = await backend.router.call('drives.write', {
            image: iso,
            targets: [{ device: dev, token: drive!.token }],
            verify: true,
            allowUnverified: true,
            after: 'none'
          })
          if (!started.ok) throw new Error(started.error.message)
          const job = started.value as WriteJob
          await writing
          const stopped = nextEvent<BackendState>(backend, 'app.backend', (s) => s.state === 'stopped')
          const restarted = nextEvent<BackendState>(backend, 'app.backend', (s) => s.state === 'restarted')
          const oldPid = backend.pid
          process.kill(oldPid as number, 'SIGKILL')
          expect((await stopped).detail).toBe('signal SIGKILL')
          await restarted
          expect(backend.pid).not.toBe(oldPid)

          const jobs = await backend.router.call('drives.jobs', {})
          if (!jobs.ok) throw new Error(jobs.error.message)
          const seen = (jobs.value as WriteJob[]).find((j) => j.jobId === job.jobId)
          expect(seen?.stage).toBe('failed')
          const t = seen!.targets[0]
          expect(t.error?.name).toBe('BackendStopped')
          expect(t.error?.stage).toBe('write')
          expect(typeof t.error?.offset).toBe('number')
          expect(t.notBootable).toBe(true)
          expect(t.error?.hint).toMatch(/will not boot until it is written again/)
          // The pipeline zeroes the first MiB first and writes it last: the stick really does not boot.
          expect(readHead(dev, MiB).every((b) => b === 0)).toBe(true)
        } finally {
          loopDelete(dev)
        }
      }
    )
  }
)
