import type { MethodInput, MethodName, MethodOutput } from '../shared/contract'
import { fromErrorInfo } from '../shared/contract/errors'
import { createRouter, type Router } from '../main/router'
import { createHandlers } from '../main/services'
import { createServiceContext } from '../main/services/create-context'
import type { ServiceContext } from '../main/services/context'
import { defaultSettingsFile, fileBackend } from '../main/services/settings/backend'
import { createSettingsService } from '../main/services/settings/service'
import { userTerminalRunner } from '../main/services/terminal/privileged'
import { testSwitchesFromEnv } from '../main/services/test-switches'
import type { Style } from './output'
import { stdStream, writeLine } from './stdio'

export interface CliContext {
  services: ServiceContext
  router: Router
  /** Calls a contract method through the router (same validation as IPC); throws AppError. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
  json: boolean
  root?: string
  style: Style
  out(text: string): void
  /** The value as JSON with --json, else the human rendering. */
  print<T>(value: T, human: (value: T) => string): void
  err(text: string): void
  isTTY: boolean
}

export function createCliContext(opts: { json: boolean; root?: string; style: Style; env?: NodeJS.ProcessEnv; transport?: 'cli' | 'browser' }): CliContext {
  const env = opts.env ?? process.env
  const settings = createSettingsService(fileBackend(env.HSC_SETTINGS_FILE || defaultSettingsFile(env)))
  const transport = opts.transport ?? 'cli'
  const out = (t: string): void => writeLine(1, t)
  const err = (t: string): void => writeLine(2, t)
  // The CLI runs privileged plans in the user's own terminal (prompts and output where the
  // user is; with --json the programs' stdout goes to stderr). `hsc gui` serves a browser,
  // whose terminal panel shows them instead (the context's default runner).
  const privileged =
    transport === 'cli' ? () => userTerminalRunner({ env, stdio: opts.json ? 'stderr' : 'inherit', announce: (l) => err(opts.style.dim(l)) }) : undefined
  const services = createServiceContext({ transport, settings, root: opts.root, env, privileged, test: testSwitchesFromEnv(env) })
  const router = createRouter(createHandlers(services))
  return {
    services,
    router,
    json: opts.json,
    root: opts.root,
    style: opts.style,
    // Asked only by commands that draw for a terminal: see stdio.ts.
    get isTTY() {
      return Boolean(stdStream(1).isTTY)
    },
    out,
    print: (value, human) => out(opts.json ? JSON.stringify(value, null, 2) : human(value)),
    err,
    async call(method, input) {
      const r = await router.call(method, input)
      if (!r.ok) throw fromErrorInfo(r.error)
      return r.value as MethodOutput<typeof method>
    }
  }
}
