import path from 'node:path'
import { interpret, type ReadFact, type ReadReport } from './parse'

/** File access for the fleet report, injected so tests (and other callers) decide what is read. */
export interface FleetFiles {
  /** "dir", "file", or null when the path does not exist. Symlinks are followed. */
  kind(p: string): Promise<'dir' | 'file' | 'other' | null>
  /** Names of the entries of a directory. */
  list(dir: string): Promise<string[]>
  /** The file's text; throws when it is larger than maxBytes. */
  read(p: string, maxBytes: number): Promise<string>
}

export interface LoadedHost {
  name: string
  source: string
  kind: 'fact' | 'inspect' | 'error'
  error?: string
  fact?: ReadFact
  report?: ReadReport
}

/** A fact with a few hundred installed packages is well under this; a cache entry with every fact too. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024
export const MAX_HOSTS = 20_000

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

async function loadFile(file: string, name: string, files: FleetFiles): Promise<LoadedHost> {
  let doc: unknown
  try {
    doc = JSON.parse(await files.read(file, MAX_INPUT_BYTES))
  } catch (e) {
    return { name, source: file, kind: 'error', error: e instanceof SyntaxError ? `not JSON (${e.message})` : message(e) }
  }
  const r = interpret(doc)
  if (r.kind === 'error') return { name, source: file, kind: 'error', error: r.error }
  if (r.kind === 'fact') return { name, source: file, kind: 'fact', fact: r.fact, report: r.report }
  return { name, source: file, kind: 'inspect', report: r.report }
}

/**
 * Reads every path: a directory is an Ansible jsonfile fact cache (one file per host, named
 * after the inventory host; hidden files skipped), a file is one host's saved fact or
 * report (named after the file, without .json). Names that collide get their path instead.
 */
export async function loadHosts(paths: readonly string[], files: FleetFiles): Promise<LoadedHost[]> {
  const wanted: Array<{ file: string; name: string }> = []
  for (const p of paths) {
    const kind = await files.kind(p)
    if (kind === null) throw Object.assign(new Error(`${p}: no such file or directory`), { name: 'UsageError' })
    if (kind === 'dir') {
      const names = (await files.list(p)).filter((n) => !n.startsWith('.')).sort()
      for (const n of names) {
        const full = path.join(p, n)
        if ((await files.kind(full)) === 'file') wanted.push({ file: full, name: n.replace(/\.json$/, '') })
      }
    } else if (kind === 'file') wanted.push({ file: p, name: path.basename(p).replace(/\.json$/, '') })
    else throw Object.assign(new Error(`${p}: not a file or directory`), { name: 'UsageError' })
    if (wanted.length > MAX_HOSTS) throw new Error(`more than ${MAX_HOSTS} hosts given; report on a part of the fleet at a time`)
  }
  const count = new Map<string, number>()
  for (const w of wanted) count.set(w.name, (count.get(w.name) ?? 0) + 1)
  const out: LoadedHost[] = []
  for (const w of wanted) out.push(await loadFile(w.file, (count.get(w.name) ?? 0) > 1 ? w.file : w.name, files))
  return out
}
