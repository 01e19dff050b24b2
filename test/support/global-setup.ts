import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from './paths'
import { RUN_DIRS } from './run-dirs'

/** Newest modification time under dir (files only). */
function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/** Rebuilds stale bundles before the run; afterwards removes the run's state and cache folders. */
export default function setup(): () => void {
  rebuildIfStale()
  return () => Object.values(RUN_DIRS).forEach((d) => rmSync(d, { recursive: true, force: true }))
}

/**
 * CLI, browser-mode and service-process tests run the built bundles in out/. A bare
 * `npx vitest run` after editing src/ would test stale code: rebuild first when any source
 * is newer than the oldest bundle (npm test has just built, so this is a no-op there).
 */
function rebuildIfStale(): void {
  const bundles = ['out/cli/hsc.cjs', 'out/cli/backend.mjs', 'out/renderer/index.html', 'out/main/index.js'].map((f) => path.join(PROJECT_ROOT, f))
  const built = bundles.every((f) => existsSync(f)) ? Math.min(...bundles.map((f) => statSync(f).mtimeMs)) : 0
  const sources = Math.max(newest(path.join(PROJECT_ROOT, 'src')), newest(path.join(PROJECT_ROOT, 'resources')))
  if (built >= sources) return
  process.stdout.write(built ? 'out/ is older than src/: rebuilding before the tests\n' : 'out/ is missing: building before the tests\n')
  execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
}
