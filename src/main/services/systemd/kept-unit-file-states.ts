import { readdirSync, statSync, type Stats } from 'node:fs'
import type { AnswerCache } from '../system/facts/answer-cache'
import { FILE_STATES, type IsEnabledResult } from './systemctl'

/**
 * The directories `systemctl is-enabled` reads in system mode without a running manager: the
 * unit load path of systemd.unit(5) in the order `systemd-analyze unit-paths` prints it, with
 * /lib/systemd/system for builds that keep it apart from /usr, and the SysV script folder it
 * looks in for a unit that has no unit file. A directory that is not there is recorded as such.
 */
export const UNIT_STATE_DIRS = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
  '/etc/init.d'
] as const

/** The folders of [Install] symlinks inside a unit directory: what "enabled" is made of. */
const LINK_FOLDER = /^[^/]+\.(wants|requires|upholds)$/

/**
 * A change is seen by its new stamp, but file times only move once per clock tick: an answer
 * is kept only when everything it was made of is older than this, so nothing changed within
 * the tick that made the answer (git's "racy" rule).
 */
export const SETTLED_MS = 2000

const SYSTEMCTL = '/usr/bin/systemctl'

const stampOf = (st: Stats | undefined): string => (st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : '-')

/** What an answer is made of: each path (under the unit root) and its stamp, '-' when missing. */
type MadeOf = Array<[path: string, stamp: string]>

interface Taken {
  record: MadeOf
  /** The newest modification or change time among them (ms since the epoch). */
  newestMs: number
}

/**
 * Stamps every unit directory, each link folder in them, and each of `units`' own files in
 * them (followed through links, so an edited unit file is a new stamp). A link added to or
 * removed from any of these folders, a unit file added, replaced or masked, changes one.
 */
function take(unitRoot: string, units: readonly string[]): Taken {
  const record: MadeOf = []
  let newestMs = 0
  const add = (p: string, st: Stats | undefined) => {
    record.push([p, stampOf(st)])
    if (st) newestMs = Math.max(newestMs, st.mtimeMs, st.ctimeMs)
  }
  const dirs = UNIT_STATE_DIRS.map((dir) => statSync(under(unitRoot, dir), { throwIfNoEntry: false }))
  for (const [i, dir] of UNIT_STATE_DIRS.entries()) add(dir, dirs[i])
  const scanned = new Set<string>()
  for (const [i, dir] of UNIT_STATE_DIRS.entries()) {
    const st = dirs[i]
    // /lib/systemd/system is /usr/lib/systemd/system on a merged /usr: its folders once.
    if (!st?.isDirectory() || dir === '/etc/init.d' || scanned.has(`${st.dev}:${st.ino}`)) continue
    scanned.add(`${st.dev}:${st.ino}`)
    for (const name of readdirSync(under(unitRoot, dir))) {
      if (LINK_FOLDER.test(name) || units.includes(name)) add(`${dir}/${name}`, statSync(under(unitRoot, `${dir}/${name}`), { throwIfNoEntry: false }))
    }
  }
  // A record that could not be checked again is not kept (see MAX_RECORD).
  if (record.length > MAX_RECORD) throw new Error('too many unit folders to keep a record of')
  return { record, newestMs }
}

const under = (unitRoot: string, p: string): string => (unitRoot === '/' ? p : `${unitRoot}${p}`)

/** More paths than any system's unit folders hold: a record this long is not one of ours. */
const MAX_RECORD = 4096

/** Whether a kept record still describes the unit directories: same folders, same stamps. */
function stillTrue(unitRoot: string, units: readonly string[], recorded: unknown): boolean {
  if (!Array.isArray(recorded) || recorded.length < UNIT_STATE_DIRS.length || recorded.length > MAX_RECORD) return false
  for (const [i, entry] of recorded.entries()) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') return false
    const [p, stamp] = entry as [string, string]
    // The folder list is this build's, in order; anything else names a file inside one of them.
    if (i < UNIT_STATE_DIRS.length ? p !== UNIT_STATE_DIRS[i] : !isInsideUnitDir(p, units)) return false
    if (stampOf(statSync(under(unitRoot, p), { throwIfNoEntry: false })) !== stamp) return false
  }
  return true
}

function isInsideUnitDir(p: string, units: readonly string[]): boolean {
  const slash = p.lastIndexOf('/')
  const dir = p.slice(0, slash)
  const name = p.slice(slash + 1)
  return dir !== '/etc/init.d' && (UNIT_STATE_DIRS as readonly string[]).includes(dir) && (LINK_FOLDER.test(name) || units.includes(name))
}

export interface KeptStatesOptions {
  units: readonly string[]
  answers: AnswerCache
  /** The tree whose unit directories `ask` reads: '/' for the live system. */
  unitRoot: string
  /** Asks systemctl is-enabled for `units` over that tree. */
  ask: () => Promise<IsEnabledResult[]>
  now?: () => number
}

/**
 * `systemctl is-enabled` for units on a system whose manager is not running, kept between
 * processes. Without a manager the answer is made of files only, yet starting systemctl was
 * most of `hsc oomd status` there (#15). The answer is kept with a record of those files
 * (see `take`) and believed only while every stamp in it is unchanged; a record newer than
 * SETTLED_MS, or files that changed while systemctl read them, keep nothing.
 * Not covered: a link whose target is itself a link outside the unit directories, repointed.
 */
export async function keptUnitFileStates(opts: KeptStatesOptions): Promise<IsEnabledResult[]> {
  const { units, answers, unitRoot, ask, now = Date.now } = opts
  // Any file this cannot read (a folder it may not list) only means asking systemctl.
  const quietly = <T>(f: () => T): T | undefined => {
    try {
      return f()
    } catch {
      return undefined
    }
  }
  const tool = quietly(() => statSync(SYSTEMCTL, { throwIfNoEntry: false }))
  if (!tool) return ask()
  const prefix = `systemctl is-enabled ${units.join(' ')}|${stampOf(tool)}|`
  const kept = await answers.latest(prefix)
  if (kept) {
    const states = kept.result.stdout.split('\n')
    const holds = () => stillTrue(unitRoot, units, parseRecord(kept.key.slice(prefix.length)))
    if (states.length === units.length && states.every((s) => FILE_STATES.has(s)) && quietly(holds)) return states.map((state) => ({ state }))
  }
  const startedMs = now()
  const before = quietly(() => take(unitRoot, units))
  const asked = await ask()
  const states = asked.map((r) => r.state)
  if (before && before.newestMs < startedMs - SETTLED_MS && states.every((s): s is string => s !== undefined)) {
    const record = JSON.stringify(before.record)
    const after = quietly(() => take(unitRoot, units))
    if (after && JSON.stringify(after.record) === record) await answers.replace(prefix, prefix + record, { code: 0, stdout: states.join('\n'), stderr: '' })
  }
  return asked
}

function parseRecord(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
