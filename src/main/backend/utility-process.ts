import { utilityProcess } from 'electron'
import type { BackendMessage, BackendRequest } from '../../shared/backend-protocol'
import type { BackendProcess } from './client'

/** The service process as an Electron utility process (Node runtime, no window, own crash domain). */
export function forkUtilityBackend(entry: string, env: NodeJS.ProcessEnv): BackendProcess {
  const child = utilityProcess.fork(entry, [], { env, serviceName: 'Hyperscale Companion services', stdio: 'inherit' })
  return {
    get pid() {
      return child.pid
    },
    post: (msg: BackendRequest) => child.postMessage(msg),
    onMessage: (l) => child.on('message', (m: unknown) => l(m as BackendMessage)),
    onExit: (l) => child.on('exit', (code: number) => l(code)),
    kill: () => void child.kill()
  }
}
