import type Os from 'node:os'
import path from 'node:path'
import { runCommand, type CommandRunner } from './system/command'
import { EventHub } from './system/events'
import { fileAnswerCache, type AnswerCache } from './system/facts/answer-cache'
import { imageDigests, type DigestStore } from './system/image-digests'
import { lazyBuiltin } from './system/lazy'
import { createRootFs } from './system/rootfs'
import type { ServiceContext } from './context'
import type { SettingsService } from './settings/service'
import { panelRunner, type PrivilegedRunner } from './terminal/privileged'
import { NO_TEST_SWITCHES, type TestSwitches } from './test-switches'

export interface ContextOptions {
  transport: ServiceContext['transport']
  settings: SettingsService
  root?: string
  run?: CommandRunner
  env?: Record<string, string | undefined>
  events?: EventHub
  /** Test-only switches; none unless the starting process chose some (testSwitchesFromEnv). */
  test?: TestSwitches
  /** How privileged plans run; the terminal panel (a pty session per plan) by default. */
  privileged?: (ctx: ServiceContext) => PrivilegedRunner
}

type Env = Readonly<Record<string, string | undefined>>

/** node:os only for a user without $HOME. */
const osModule = lazyBuiltin<typeof Os>('node:os')

/** $HSC_STATE_DIR, else $XDG_STATE_HOME/hyperscale-companion, else ~/.local/state/hyperscale-companion. */
export function defaultStateDir(env: Env): string {
  if (env.HSC_STATE_DIR) return env.HSC_STATE_DIR
  const base = env.XDG_STATE_HOME || path.join(env.HOME || osModule().homedir(), '.local/state')
  return path.join(base, 'hyperscale-companion')
}

export function createServiceContext(opts: ContextOptions): ServiceContext {
  const fs = createRootFs(opts.root ?? '/')
  const env = opts.env ?? process.env
  let privileged: PrivilegedRunner | undefined
  let answers: AnswerCache | undefined
  let digests: DigestStore | undefined
  const ctx: ServiceContext = {
    fs,
    run: opts.run ?? runCommand,
    // Made on first use: a runner may need the finished context (its event hub), and the panel
    // runner's node-pty loads with its first run, not with the context.
    get privileged(): PrivilegedRunner {
      return (privileged ??= opts.privileged?.(ctx) ?? panelRunner(async () => (await import('./terminal')).terminalFor(ctx)))
    },
    events: opts.events ?? new EventHub(),
    settings: opts.settings,
    env,
    test: opts.test ?? NO_TEST_SWITCHES,
    transport: opts.transport,
    stateDir: defaultStateDir(env),
    // One store per process: two stores of the same file would each miss the other's entries.
    get answers(): AnswerCache {
      return (answers ??= fileAnswerCache(path.join(ctx.stateDir, 'program-answers.json')))
    },
    get digests(): DigestStore {
      return (digests ??= imageDigests(path.join(ctx.stateDir, 'image-digests.json')))
    },
    rootFs: (root) => (root ? createRootFs(root) : fs)
  }
  return ctx
}
