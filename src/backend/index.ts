// The service process: owns the service context (drives, D-Bus, ptys, downloads, keys) and
// serves the contract to the shell that started it. Electron's main spawns it as a
// utilityProcess; tests fork it under plain Node. A crash here leaves the window alive: the
// shell restarts it and the write-job journal tells the new one what was interrupted.
import path from 'node:path'
import { createRouter } from '../main/router'
import { createHandlers } from '../main/services'
import { createServiceContext } from '../main/services/create-context'
import { defaultSettingsFile, fileBackend } from '../main/services/settings/backend'
import { createSettingsService } from '../main/services/settings/service'
import { shutdownServices } from '../main/services/shutdown'
import { testSwitchesFromEnv } from '../main/services/test-switches'
import { electronStoreBackend } from '../main/settings-electron-store'
import { serveConnection } from '../main/transport/connection'
import { parentChannel } from './channel'

const channel = parentChannel()
if (!channel) {
  process.stderr.write('hsc backend: start me from the app (no parent channel)\n')
  process.exit(2)
}

const env = process.env
const settingsFile = env.HSC_SETTINGS_FILE || defaultSettingsFile(env)
// Inside Electron (a utility process) settings go through electron-store in the same file;
// under plain Node (tests, browser shells) through the file backend with the same schema.
const settings = createSettingsService(process.versions.electron ? electronStoreBackend(path.dirname(settingsFile)) : fileBackend(settingsFile))
const ctx = createServiceContext({ transport: 'electron', settings, env, test: testSwitchesFromEnv(env) })
const router = createRouter(createHandlers(ctx))
const connection = serveConnection(router, ctx.events, (msg) => channel.post(msg))
channel.onMessage((msg) => connection.receive(msg))

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  connection.close()
  await shutdownServices(ctx).catch(() => undefined)
  process.exit(0)
}
channel.onClose(() => void stop())
process.on('SIGTERM', () => void stop())
channel.post({ t: 'ready', pid: process.pid })
