import { fork } from 'node:child_process'
import type { BackendMessage, BackendRequest } from '../../shared/backend-protocol'
import type { BackendProcess } from './client'

/** The service process as a Node child (tests, and any shell that is not Electron). */
export function forkNodeBackend(entry: string, env: NodeJS.ProcessEnv = process.env): BackendProcess {
  const child = fork(entry, [], { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return {
    get pid() {
      return child.pid
    },
    post: (msg: BackendRequest) => {
      if (child.connected) child.send(msg)
    },
    onMessage: (l) => child.on('message', (m) => l(m as BackendMessage)),
    onExit: (l) => child.on('exit', (code, signal) => l(code, signal ?? undefined)),
    kill: () => child.kill('SIGTERM')
  }
}
