import type { CommandRunner } from './system/command'
import type { EventHub } from './system/events'
import type { AnswerCache } from './system/facts/answer-cache'
import type { DigestStore } from './system/image-digests'
import type { RootFs } from './system/rootfs'
import type { SettingsService } from './settings/service'
import type { PrivilegedRunner } from './terminal/privileged'
import type { TestSwitches } from './test-switches'

/** Everything a service may touch of the system, injected so tests can swap any part. */
export interface ServiceContext {
  /** The file tree read by read-only checks ("/" live, a fixture dir in tests / --root). */
  fs: RootFs
  run: CommandRunner
  /**
   * The one way to run an allowlisted argv as root, supplied by the process that hosts the
   * services: the terminal panel (Electron, browser mode) or the user's terminal (CLI).
   */
  privileged: PrivilegedRunner
  events: EventHub
  settings: SettingsService
  /** Process environment: HOME, XDG and HSC_*_DIR folders, proxy variables, the system bus address. */
  env: Readonly<Record<string, string | undefined>>
  /** Test-only switches, chosen by the process that started the services (never by a client). */
  test: TestSwitches
  transport: 'electron' | 'browser' | 'cli'
  /** Per-user state that outlives a process (write-job journal): $HSC_STATE_DIR, else XDG state home. */
  stateDir: string
  /** Programs' version answers kept between processes (program-answers.json in stateDir), one store per process. */
  readonly answers: AnswerCache
  /** SHA-256 digests of images with their file identity (image-digests.json in stateDir), so a verified image is hashed once. */
  readonly digests: DigestStore
  /** Creates a RootFs for a per-call root override (the CLI's --root, contract inputs). */
  rootFs(root?: string): RootFs
}
