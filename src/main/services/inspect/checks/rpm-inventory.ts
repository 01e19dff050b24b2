import { statSync } from 'node:fs'
import path from 'node:path'
import type { CommandResult } from '../../system/command'
import type { Facts } from '../facts'
import { findTool } from '../../system/facts/tools'

/** stat for a cache key: metadata only (never blocks on a FIFO), so without a thread-pool hop. */
const statOrUndefined = (p: string) => statSync(p, { throwIfNoEntry: false })

/**
 * One rpm process per report answers every rpm question the checks ask: where the
 * database is (%{_dbpath}, printed by --eval before the query runs), and every installed
 * NAME and VERSION-RELEASE. Three processes did this before; each rpm start costs more than
 * the rest of a report, and Debian's rpm runs a shell in its macros on every start.
 */

export const RPMDB_PATHS = ['/usr/lib/sysimage/rpm', '/var/lib/rpm']
// `rpm --root` looks where the host rpm's %_dbpath says; Debian's rpm (a host that may inspect
// a mounted image or an installroot) uses ~/.rpmdb, i.e. /root/.rpmdb for root.
export const FOREIGN_DBPATHS = ['/root/.rpmdb']
const DB_FILES = new Set(['rpmdb.sqlite', 'Packages', 'Packages.db'])
const DBPATH_MARK = 'hsc-dbpath:'

export interface RpmInventory {
  argv: string[]
  result: CommandResult
  /** The live rpm's %{_dbpath}; undefined under another root (the host's macro says nothing about it). */
  dbpath?: string
  /** NAME -> VERSION-RELEASE of each installed instance (installonly packages have several). */
  packages: Map<string, string[]>
}

const cache = new WeakMap<Facts['run'], Map<string, Promise<RpmInventory>>>()
const perReport = new WeakMap<Facts, { files?: Promise<string[]>; inventory?: Promise<RpmInventory> }>()
const memo = (facts: Facts) => perReport.get(facts) ?? perReport.set(facts, {}).get(facts)!

/** The rpm database files under the root, listed once per report ("/var/lib/rpm/rpmdb.sqlite", ...). */
function dbFiles(facts: Facts): Promise<string[]> {
  return (memo(facts).files ??= (async () => {
    const found: string[] = []
    for (const d of [...RPMDB_PATHS, ...FOREIGN_DBPATHS]) {
      for (const f of await facts.fs.list(d).catch(() => [] as string[])) if (DB_FILES.has(f)) found.push(`${d}/${f}`)
    }
    return found
  })())
}

/** The directory holding the root's rpm database files, when it has one. */
export async function rpmdbDir(facts: Facts): Promise<string | undefined> {
  const files = await dbFiles(facts)
  return (facts.live ? RPMDB_PATHS : [...RPMDB_PATHS, ...FOREIGN_DBPATHS]).find((d) => files.some((f) => path.posix.dirname(f) === d))
}

/**
 * Run once per state of the rpm database: the cache key holds the database files' mtimes, so
 * a report after `dnf install` asks again and a plain refresh starts nothing.
 */
export function rpmInventory(facts: Facts): Promise<RpmInventory> {
  return (memo(facts).inventory ??= inventory(facts))
}

async function inventory(facts: Facts): Promise<RpmInventory> {
  const stamps: string[] = []
  for (const f of await dbFiles(facts)) {
    // The database files only: reading touches the -shm/-wal companions.
    const st = statOrUndefined(facts.fs.resolve(f))
    if (st) stamps.push(`${f}:${st.mtimeMs}:${st.size}`)
  }
  const argv = [
    'rpm',
    ...(facts.live ? [] : ['--root', facts.fs.root]),
    '--eval',
    `${DBPATH_MARK}%{_dbpath}`,
    '-qa',
    '--queryformat',
    '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'
  ]
  const rpmPath = facts.live ? await findTool(facts, 'rpm') : undefined
  const bin = rpmPath ? statOrUndefined(rpmPath) : undefined
  // The answer depends on the rpm binary and its macros (for %{_dbpath}) as well as the database.
  const macros = facts.live ? statOrUndefined('/usr/lib/rpm/macros') : undefined
  const key = [
    argv.join('\0'),
    facts.fs.root,
    bin ? `${bin.ino}:${bin.size}:${bin.mtimeMs}` : '',
    macros ? `${macros.ino}:${macros.mtimeMs}` : '',
    ...stamps
  ].join('|')
  let byRun = cache.get(facts.run)
  if (!byRun) cache.set(facts.run, (byRun = new Map()))
  let p = byRun.get(key)
  if (!p) {
    const answers = facts.answers
    const run = facts.run
    p = (async () => {
      // No database file to stamp means nothing proves the answer is still current: ask rpm.
      const kept = stamps.length ? await answers?.get(key) : undefined
      const result = kept ?? (await run(argv, { timeoutMs: 20_000, env: { LC_ALL: 'C.UTF-8' } }))
      if (!kept && stamps.length) await answers?.set(key, result)
      return parseInventory(argv, result, facts.live)
    })()
    byRun.set(key, p)
  }
  return p
}

/** A NAME<tab>VERSION-RELEASE line of the query: a name of [\w.+-], one tab, a version without one. */
const PACKAGE_LINE = /(?<![^\n])([\w.+-]+)\t([^\t\n]+)(?![^\n])/g
/** The --eval line naming %{_dbpath}; the last one counts. */
const DBPATH_LINE = new RegExp(`(?<![^\\n])${DBPATH_MARK}([^\\n]*)`, 'g')

/**
 * The query's lines as installed packages. Two patterns over the whole output rather than a
 * split, a second split and a pattern per line: a stock system lists ~1,500 packages, which
 * cold took ~4.8 ms of every `hsc inspect` line by line and take ~3 ms so (#15). A line is
 * anchored at line breaks only (a carriage return inside one is part of it, as a split on
 * "\n" leaves it).
 */
export function parseInventory(argv: string[], result: CommandResult, live: boolean): RpmInventory {
  const packages = new Map<string, string[]>()
  let dbpath: string | undefined
  const out = result.stdout
  DBPATH_LINE.lastIndex = 0
  for (let m = DBPATH_LINE.exec(out); m; m = DBPATH_LINE.exec(out)) {
    const v = m[1].trim()
    if (live && v.startsWith('/') && !v.includes('%')) dbpath = v
  }
  PACKAGE_LINE.lastIndex = 0
  for (let m = PACKAGE_LINE.exec(out); m; m = PACKAGE_LINE.exec(out)) {
    const list = packages.get(m[1])
    if (list) list.push(m[2])
    else packages.set(m[1], [m[2]])
  }
  return { argv, result, dbpath, packages }
}
