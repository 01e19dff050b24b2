import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HSC_LAUNCHER, PROJECT_ROOT } from '../support/paths'
import { runHsc, runProgram } from '../support/hsc'
import { parseSourceMap } from '../support/source-map'

// What a cold read command runs decides how fast it starts (issue 15). The CLI is one bundle
// whose modules reached through import() initialise on first use; this asks V8 itself which
// functions of the built `hsc` ran (NODE_V8_COVERAGE, counted per function), names their
// sources through the bundles' source maps, and asserts the read commands stay off zod (the
// schemas' library, its own file out/cli/zod.cjs) and off the CLI's other command groups.
// Structural, no timing.
const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-modules-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// The CLI bundle and the parts it requires (out/cli/zod.cjs), each with its source map.
const BUNDLE_FILE = /\/out\/cli\/([a-z0-9-]+\.cjs)$/
// bin/hsc.cjs runs each of them inside a CommonJS function wrapper, which precedes it.
const { WRAPPER_PREFIX } = (await import(path.join(PROJECT_ROOT, 'bin/hsc.cjs'))) as { WRAPPER_PREFIX: string }
const WRAPPER = WRAPPER_PREFIX.length

interface Coverage {
  result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ startOffset: number; count: number }> }> }>
}

const mapped = new Map<string, { lineStarts: number[]; map: ReturnType<typeof parseSourceMap> }>()
function bundleMap(name: string): { lineStarts: number[]; map: ReturnType<typeof parseSourceMap> } {
  let m = mapped.get(name)
  if (!m) {
    const file = path.join(PROJECT_ROOT, 'out/cli', name)
    const source = readFileSync(file, 'utf8')
    const lineStarts = [0]
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1)
    m = { lineStarts, map: parseSourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) }
    mapped.set(name, m)
  }
  return m
}

/**
 * Sources (as the source maps name them) with at least one function that ran, each such
 * function's first line, and the files of out/cli that ran at all.
 */
async function ranSources(
  args: string[]
): Promise<{ sources: Set<string>; functions: Array<{ source: string; line: number }>; files: Set<string>; status: number | null; stderr: string }> {
  const cov = mkdtempSync(path.join(dir, 'cov-'))
  // No code cache: the same functions run either way, and each run is then a clean first run.
  const r = await runHsc(args, { NODE_V8_COVERAGE: cov, HSC_CODE_CACHE: '0', HSC_STATE_DIR: path.join(dir, 'state') })
  const sources = new Set<string>()
  const files = new Set<string>()
  const functions: Array<{ source: string; line: number }> = []
  for (const f of readdirSync(cov)) {
    const data = JSON.parse(readFileSync(path.join(cov, f), 'utf8')) as Coverage
    for (const script of data.result) {
      const name = BUNDLE_FILE.exec(script.url)?.[1]
      if (!name) continue
      const { lineStarts, map } = bundleMap(name)
      for (const fn of script.functions) {
        const { startOffset, count } = fn.ranges[0]
        const offset = startOffset - WRAPPER
        if (count === 0 || offset < 0) continue
        files.add(name)
        let line = lineStarts.length - 1
        while (lineStarts[line] > offset) line--
        const at = map.positionAt(line, offset - lineStarts[line])
        if (!at) continue
        const source = at.source.replace(/^(\.\.\/)+/, '')
        sources.add(source)
        functions.push({ source, line: at.line })
      }
    }
  }
  return { sources, functions, files, status: r.status, stderr: r.stderr }
}

/** The groups with a bundle of their own (LEAN_GROUPS in scripts/build-cli.mjs): out/cli/hsc-GROUP.cjs. */
const LEAN = readdirSync(path.join(PROJECT_ROOT, 'out/cli')).flatMap((f) => /^hsc-([a-z]+)\.cjs$/.exec(f)?.[1] ?? [])

describe('cold read commands run only what they use (built hsc, V8 function coverage)', () => {
  for (const args of [
    ['inspect', '--json'],
    ['repos', 'list', '--json'],
    ['oomd', 'status', '--json'],
    ['drives', 'list', '--json']
  ]) {
    it(`hsc ${args.join(' ')}: no zod, no other command group`, async () => {
      const { sources, files, status, stderr } = await ranSources(args)
      expect(status, stderr).not.toBe(2)
      expect(sources.size, 'coverage named the sources that ran').toBeGreaterThan(5)
      // zod is a file of its own (scripts/build-cli.mjs): not even its top level runs. The three
      // most used groups run their own bundle, which holds no other group's code at all.
      expect([...files]).toEqual([LEAN.includes(args[0]) ? `hsc-${args[0]}.cjs` : 'hsc.cjs'])
      expect(sources.has(`src/cli/commands/${args[0]}.ts`), [...sources].join(' ')).toBe(true)
      const own = args[0]
      expect([...sources].filter((s) => s.includes('node_modules/zod/'))).toEqual([])
      // `hsc write` takes the customise options (--persist, --kickstart…), so drives shares their module.
      const shared = own === 'drives' ? ['/customise.ts'] : []
      expect(
        [...sources].filter(
          (s) => /^src\/cli\/commands\//.test(s) && !s.endsWith(`/${own}.ts`) && !s.endsWith('/index.ts') && !shared.some((x) => s.endsWith(x))
        )
      ).toEqual([])
      // A list needs no job: the write, read-back, restore and image modules load with the first job.
      expect([...sources].filter((s) => /^src\/main\/services\/drives\/(job|read-job|restore|pipeline|hasher|source|verify)\.ts$/.test(s))).toEqual([])
      expect([...sources].filter((s) => /^src\/shared\/contract\/(settings|spins|drives|customise|files|fleet|terminal)\.ts$/.test(s))).toEqual([])
    })
  }

  it("hsc inspect --json into a pipe starts none of Node's heavier built-ins it does not use", async () => {
    // Node's own record of the built-in modules this process loaded, written at exit.
    const list = path.join(dir, 'builtins.txt')
    const preload = path.join(dir, 'record-builtins.cjs')
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')))\n`)
    const r = await runHsc(['inspect', '--json'], { NODE_OPTIONS: `--require ${preload}`, HSC_STATE_DIR: path.join(dir, 'state') })
    expect(r.status, r.stderr).not.toBe(2)
    expect(JSON.parse(r.stdout)).toHaveProperty('checks')
    const loaded = readFileSync(list, 'utf8').split('\n')
    expect(loaded, 'the record lists built-ins').toContain('NativeModule vm')
    // stdout as a stream (net, tty), the global `performance`, fs.promises: see src/cli/stdio.ts,
    // system/clock.ts and inspect/reflink.ts. A machine where the report starts a program (rpm,
    // systemctl) loads child_process, and with it net, for the program's pipes.
    const spawned = loaded.includes('NativeModule child_process')
    for (const m of [...(spawned ? [] : ['net']), 'tty', 'perf_hooks', 'internal/fs/promises']) expect(loaded, `${m} loaded`).not.toContain(`NativeModule ${m}`)
  })

  it('hsc --version creates no stdout stream: nothing is styled, so whether stdout is a terminal is never asked', async () => {
    const list = path.join(dir, 'builtins-version.txt')
    const preload = path.join(dir, 'record-builtins-version.cjs')
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')))\n`)
    // Without runHsc's --no-color, which would answer the question before it is asked.
    const r = await runProgram(HSC_LAUNCHER, ['--version'], { NODE_OPTIONS: `--require ${preload}`, NO_COLOR: '' })
    expect(r.stdout).toMatch(/^hsc \d+\.\d+\.\d+\n$/)
    const loaded = readFileSync(list, 'utf8').split('\n')
    expect(loaded).toContain('NativeModule vm')
    for (const m of ['tty', 'net']) expect(loaded, `${m} loaded`).not.toContain(`NativeModule ${m}`)
  })

  it('hsc write up to its drive check (image, verified-download look-up, drive list) builds no schema', async () => {
    const image = path.join(dir, 'tiny.img')
    writeFileSync(image, Buffer.alloc(4096))
    const { sources, functions, status, stderr } = await ranSources([
      'write',
      image,
      '/dev/hsc-no-such-drive',
      '--no-verify',
      '--allow-unverified',
      '--yes',
      '--json'
    ])
    expect(stderr).toMatch(/no drive \/dev\/hsc-no-such-drive/)
    expect(status).toBe(2)
    // The inputs (an image path, an empty or size-only list) are checked without the drives schemas.
    expect([...sources].filter((s) => /^src\/shared\/contract\/(drives|spins|customise)\.ts$/.test(s))).toEqual([])
    // The spins service answered the look-up (its download records); of its modules with schemas
    // only the module bodies ran (they import zod), never a schema builder.
    expect(sources.has('src/main/services/spins/service.ts'), [...sources].join(' ')).toBe(true)
    const schemaModules = /^src\/main\/services\/spins\/(sources|productmd|part-file)\.ts$/
    expect(functions.filter((f) => schemaModules.test(f.source) && f.line > 1)).toEqual([])
  })

  it('a command with a real input still validates it with its schema (zod loads there)', async () => {
    const { sources, files, status } = await ranSources(['repos', 'enable', 'bad id!'])
    expect(status).toBe(2)
    expect([...sources].some((s) => s.includes('node_modules/zod/'))).toBe(true)
    expect(files.has('zod.cjs')).toBe(true)
  })
})
