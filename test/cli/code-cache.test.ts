// bin/hsc.cjs: the CLI bundle runs with V8's code cache, kept per command in the
// user's cache folder. A cache is code the process runs: these check that only the user's own,
// private, current cache is ever used, and that anything else just means running without one.
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HSC, PROJECT_ROOT, isRoot } from '../support/paths'

const LAUNCHER = path.join(PROJECT_ROOT, 'bin/hsc.cjs')
const { commandKey, readCache, KEEP_CACHES } = (await import(LAUNCHER)) as {
  commandKey(args: string[]): string
  readCache(file: string): { bytes: Buffer; settled: boolean } | undefined
  KEEP_CACHES: number
}

const dirs: string[] = []
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true })
})
function scratch(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hsc-codecache-'))
  dirs.push(d)
  return d
}

/** A bundle that prints what it is; `body` keeps its length fixed when the letter changes. */
function bundle(dir: string, letter: string): string {
  const file = path.join(dir, 'bundle.cjs')
  writeFileSync(file, `function f(){ return ${JSON.stringify(letter)} + require('node:path').sep }\nprocess.stdout.write(f() + __filename)\n`)
  return file
}

/** Runs the bundle through runBundle in a new process, as bin/hsc.cjs does. */
function run(file: string, cacheHome: string, args: string[] = ['inspect'], extra: Record<string, string> = {}): { out: string; err: string } {
  const code = `import(${JSON.stringify(LAUNCHER)}).then((m) => m.runBundle(${JSON.stringify(file)}, { args: ${JSON.stringify(args)} }))`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cacheHome, XDG_CACHE_HOME: path.join(cacheHome, '.cache'), ...extra }
  })
  expect(r.status, r.stderr).toBe(0)
  return { out: r.stdout, err: r.stderr }
}

const cacheDir = (home: string): string => path.join(home, '.cache', 'hyperscale-companion', 'code-cache')
const caches = (home: string): string[] => (existsSync(cacheDir(home)) ? readdirSync(cacheDir(home)).filter((f) => f.endsWith('.v8')) : [])

describe('code cache of the CLI bundle', () => {
  it('the command key is made of leading words only, never of paths or values', () => {
    expect(commandKey(['--no-color', 'inspect', '--json'])).toBe('inspect')
    expect(commandKey(['repos', 'list'])).toBe('repos-list')
    expect(commandKey(['write', '/home/u/a.iso', '/dev/sdb'])).toBe('write')
    expect(commandKey(['--version'])).toBe('version')
    expect(commandKey(['../../etc/passwd'])).toBe('other')
    expect(commandKey(['a'.repeat(40)])).toBe('other')
    expect(commandKey([])).toBe('other')
    // A run over a tree runs other code than one over the live system: a cache of its own.
    expect(commandKey(['repos', 'list', '--root', '/srv/tree'])).toBe('repos-list+root')
    expect(commandKey(['--root=/srv/tree', 'inspect'])).toBe('inspect+root')
    // Help runs the help code, whichever command it is asked of.
    expect(commandKey(['inspect', '--help'])).toBe('help')
    expect(commandKey(['--help'])).toBe('help')
  })

  it('the launcher itself is ASCII: Node compiles it from source each run, and one other character makes its whole source a two-byte string, slower to decode and scan', () => {
    const launcher = readFileSync(path.join(PROJECT_ROOT, 'bin/hsc.cjs'))
    const offending = [...launcher].findIndex((b) => b > 0x7f)
    expect(offending, `bin/hsc.cjs has a non-ASCII byte at offset ${offending}`).toBe(-1)
  })

  it('a run that ended on an error path keeps no cache; the next run that does the work keeps one', () => {
    const home = scratch()
    const file = path.join(home, 'bundle.cjs')
    // What src/cli/cache-mark.ts does when a command ends in a usage error or a failure.
    const failing = "globalThis[Symbol.for('hsc.runNotToKeep')] = process.argv.includes('--fail'); process.stdout.write('ran')\n"
    writeFileSync(file, failing)
    const code = `process.argv.push('--fail'); import(${JSON.stringify(LAUNCHER)}).then((m) => m.runBundle(${JSON.stringify(file)}, { args: ['inspect'] }))`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home } })
    expect(r.stdout).toBe('ran')
    expect(caches(home)).toEqual([])
    run(file, home)
    expect(caches(home)).toHaveLength(1)
  })

  it('the real hsc: a usage error or an unknown command keeps no cache, a run that does its work keeps one', () => {
    const cache = scratch()
    const hsc = (...args: string[]) =>
      spawnSync(process.execPath, [HSC, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cache, HSC_CACHE_DIR: cache, NO_COLOR: '1' } })
    const kept = () => (existsSync(path.join(cache, 'code-cache')) ? readdirSync(path.join(cache, 'code-cache')).filter((f) => f.endsWith('.v8')) : [])
    expect(hsc('inspect', '--no-such-option').status).toBe(2)
    expect(hsc('inpsect').status).toBe(2)
    expect(hsc('repos', 'list', '--root', path.join(cache, 'missing')).status).toBe(2)
    expect(kept()).toEqual([])
    expect(hsc('--version').status).toBe(0)
    expect(kept()).toEqual([expect.stringMatching(/^version\.hsc@.+\.v8$/)])
  })

  it('a first run keeps a private cache, the next run replaces it once with its own, later runs use that one', () => {
    const home = scratch()
    const file = bundle(home, 'A')
    expect(run(file, home).out).toBe(`A/${file}`)
    const [name] = caches(home)
    expect(name).toMatch(/^inspect\..+\.v8$/)
    const kept = () => statSync(path.join(cacheDir(home), name))
    // A first run's cache: owner-read-only marks it.
    expect(kept().mode & 0o777).toBe(0o400)
    expect(statSync(cacheDir(home)).mode & 0o777).toBe(0o700)
    const first = kept().ino
    expect(run(file, home).out).toBe(`A/${file}`)
    expect(kept().mode & 0o777).toBe(0o600)
    expect(kept().ino).not.toBe(first)
    const settled = kept().ino
    expect(run(file, home).out).toBe(`A/${file}`)
    expect(kept().ino).toBe(settled)
    expect(caches(home)).toEqual([name])
    // Another command has its own cache.
    run(file, home, ['repos', 'list'])
    expect(caches(home)).toHaveLength(2)
    expect(caches(home).filter((f) => f.startsWith('repos-list.'))).toHaveLength(1)
  })

  it('a rebuilt bundle of the same length never runs an old cache (V8 checks only the length)', () => {
    const home = scratch()
    const file = bundle(home, 'A')
    run(file, home)
    const old = caches(home)
    expect(old).toHaveLength(1)
    bundle(home, 'B')
    expect(run(file, home).out).toBe(`B/${file}`)
    // The old bundle's cache is gone, the new one's is kept.
    expect(caches(home)).toHaveLength(1)
    expect(caches(home)[0]).not.toBe(old[0])
  })

  it('a bundle that is not ASCII, or of any size, runs as written (read between the wrapper halves)', () => {
    const home = scratch()
    const file = path.join(home, 'bundle.cjs')
    // A long comment puts the code past any first guess at a buffer; the string is not ASCII.
    writeFileSync(file, `/*${'x'.repeat(200_000)}*/\nprocess.stdout.write('é ' + typeof module.exports + ' ' + __filename)\n`)
    expect(run(file, home).out).toBe(`é object ${file}`)
    expect(run(file, home).out).toBe(`é object ${file}`)
    writeFileSync(file, '')
    expect(run(file, home).out).toBe('')
  })

  it('a damaged cache is refused by V8: the bundle runs, and the cache is written again', () => {
    const home = scratch()
    const file = bundle(home, 'A')
    run(file, home)
    const p = path.join(cacheDir(home), caches(home)[0])
    writeFileSync(p, Buffer.alloc(4096, 0x5a), { mode: 0o600 })
    expect(run(file, home).out).toBe(`A/${file}`)
    expect(statSync(p).size).not.toBe(4096)
  })

  it('only a private regular file of this user, with one link, is read as a cache', () => {
    const d = scratch()
    const good = path.join(d, 'good.v8')
    writeFileSync(good, 'x', { mode: 0o600 })
    expect(readCache(good)?.bytes.toString()).toBe('x')
    const shared = path.join(d, 'shared.v8')
    writeFileSync(shared, 'x', { mode: 0o600 })
    chmodSync(shared, 0o620)
    expect(readCache(shared)).toBeUndefined()
    const link = path.join(d, 'link.v8')
    symlinkSync(good, link)
    expect(readCache(link)).toBeUndefined()
    linkSync(good, path.join(d, 'hard.v8'))
    expect(readCache(good)).toBeUndefined()
    const fifo = path.join(d, 'fifo.v8')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    expect(readCache(fifo)).toBeUndefined()
    expect(readCache(path.join(d, 'missing.v8'))).toBeUndefined()
  })

  it.skipIf(!isRoot)("another user's cache folder or file is never used nor written (root cannot be handed code)", () => {
    const home = scratch()
    const file = bundle(home, 'A')
    mkdirSync(cacheDir(home), { recursive: true, mode: 0o700 })
    chownSync(cacheDir(home), 65534, 65534)
    expect(run(file, home).out).toBe(`A/${file}`)
    expect(caches(home)).toEqual([])
    // The folder is this user's, the file is not.
    chownSync(cacheDir(home), 0, 0)
    const planted = path.join(cacheDir(home), 'x.v8')
    writeFileSync(planted, 'x', { mode: 0o600 })
    chownSync(planted, 65534, 65534)
    expect(readCache(planted)).toBeUndefined()
  })

  // Skipped where that user cannot read the checkout (a private folder above it).
  const strangerReads =
    isRoot && spawnSync('setpriv', ['--reuid=54321', '--regid=54321', '--clear-groups', 'test', '-r', path.join(PROJECT_ROOT, 'out/cli/hsc.cjs')]).status === 0
  it.skipIf(!strangerReads)('a user without a home or passwd entry runs without a cache', () => {
    const r = spawnSync(
      'setpriv',
      ['--reuid=54321', '--regid=54321', '--clear-groups', 'env', '-u', 'HOME', '-u', 'XDG_CACHE_HOME', process.execPath, HSC, '--version'],
      {
        encoding: 'utf8'
      }
    )
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^hsc \d+\.\d+\.\d+\n$/)
  })

  it('HSC_CODE_CACHE=0 runs without a cache and creates no folder', () => {
    const home = scratch()
    const file = bundle(home, 'A')
    expect(run(file, home, ['inspect'], { HSC_CODE_CACHE: '0' }).out).toBe(`A/${file}`)
    expect(existsSync(path.join(home, '.cache'))).toBe(false)
  })

  it('a part the bundle requires by its relative name (./zod.cjs) loads once, with a cache of its own', () => {
    const home = scratch()
    const file = path.join(home, 'bundle.cjs')
    const part = path.join(home, 'part-a.cjs')
    writeFileSync(file, `const a = require('./part-a.cjs'); process.stdout.write(String(a === require('./part-a.cjs')) + a.n + a.back)\n`)
    writeFileSync(part, `exports.n = 7; exports.back = typeof require('./part-a.cjs').n\n`)
    // A cache in the form before parts had their own is dropped with the first write.
    mkdirSync(cacheDir(home), { recursive: true, mode: 0o700 })
    writeFileSync(path.join(cacheDir(home), 'inspect.1e68-old-v20.20.2-x64.v8'), 'x', { mode: 0o600 })
    // A part that requires itself back gets its exports so far, as in Node.
    expect(run(file, home).out).toBe('true7number')
    const names = caches(home).sort()
    expect(names).toHaveLength(2)
    expect(names[0]).toMatch(/^inspect\.bundle@.+\.v8$/)
    expect(names[1]).toMatch(/^inspect\.part-a@.+\.v8$/)
    // The part rebuilt: its old cache goes, the bundle's stays.
    writeFileSync(part, `exports.n = 8; exports.back = typeof require('./part-a.cjs').n\n`)
    expect(run(file, home).out).toBe('true8number')
    const after = caches(home).sort()
    expect(after[0]).toBe(names[0])
    expect(after[1]).not.toBe(names[1])
    expect(after).toHaveLength(2)
    // Without a cache the part still loads, as Node's own require would load it.
    expect(run(file, home, ['inspect'], { HSC_CODE_CACHE: '0' }).out).toBe('true8number')
    expect(spawnSync(process.execPath, [file], { encoding: 'utf8' }).stdout).toBe('true8number')
  })

  it(`keeps at most ${KEEP_CACHES} caches, the newest`, () => {
    const home = scratch()
    const file = bundle(home, 'A')
    for (let i = 0; i < KEEP_CACHES + 2; i++) run(file, home, [`cmd${String.fromCharCode(97 + i)}`])
    const kept = caches(home)
    expect(kept).toHaveLength(KEEP_CACHES)
    expect(kept.some((f) => f.startsWith('cmda.'))).toBe(false)
    expect(kept.some((f) => f.startsWith(`cmd${String.fromCharCode(97 + KEEP_CACHES + 1)}.`))).toBe(true)
  })
})
