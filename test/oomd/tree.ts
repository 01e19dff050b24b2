import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const FIXTURES = path.resolve(__dirname, '../fixtures/oomd')

export function fixture(rel: string): string {
  return readFileSync(path.join(FIXTURES, rel), 'utf8')
}

export type TreeEntry = string | { symlink: string }

/** Builds a root tree in a tmp dir: system path → content (or a symlink). */
export function makeTree(entries: Record<string, TreeEntry>): { root: string; cleanup(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'hsc-oomd-'))
  addToTree(root, entries)
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export function addToTree(root: string, entries: Record<string, TreeEntry>): void {
  for (const [p, v] of Object.entries(entries)) {
    const real = path.join(root, p)
    mkdirSync(path.dirname(real), { recursive: true })
    if (typeof v === 'string') writeFileSync(real, v)
    else symlinkSync(v.symlink, real)
  }
}
