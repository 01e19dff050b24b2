import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'
import { runProgram } from '../support/hsc'

// The most used command groups run a bundle of their own, with only their code (scripts/
// build-cli.mjs, bin/hsc.cjs): which file ran is recorded inside the process (a preload). Tests elsewhere run every command of these groups through
// bin/hsc, so a capability missing from a group's bundle fails them.
const OUT = path.join(PROJECT_ROOT, 'out/cli')
const built = existsSync(path.join(OUT, 'hsc.cjs'))
const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-own-bundles-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `hsc` from `root` (a checkout or a copy) and names the out/cli files it ran. */
async function ran(root: string, args: string[]): Promise<{ files: string[]; status: number | null; stdout: string; stderr: string }> {
  const list = path.join(dir, `ran-${Math.random().toString(36).slice(2)}.txt`)
  const preload = path.join(dir, 'record-scripts.cjs')
  // bin/hsc.cjs compiles each bundle with vm.Script, naming its file: the preload records those names.
  writeFileSync(
    preload,
    `const vm = require('node:vm'); const seen = []; const Script = vm.Script
     vm.Script = class extends Script { constructor(src, o) { super(src, o); if (o && o.filename) seen.push(require('node:path').basename(o.filename)) } }
     process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, seen.join('\\n')))\n`
  )
  const r = await runProgram(path.join(root, 'bin/hsc'), args, {
    NODE_OPTIONS: `--require ${preload}`,
    HSC_STATE_DIR: path.join(dir, 'state'),
    HSC_CODE_CACHE: '0'
  })
  return { files: existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean) : [], status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe.skipIf(!built)('command groups with a bundle of their own', () => {
  it('inspect, repos and oomd have one; each runs it, and anything else runs the full CLI', async () => {
    expect(
      readdirSync(OUT)
        .filter((f) => /^hsc-[a-z]+\.cjs$/.test(f))
        .sort()
    ).toEqual(['hsc-inspect.cjs', 'hsc-oomd.cjs', 'hsc-repos.cjs'])
    expect((await ran(PROJECT_ROOT, ['inspect', '--json'])).files).toEqual(['hsc-inspect.cjs'])
    expect((await ran(PROJECT_ROOT, ['--no-color', 'repos', 'list', '--json'])).files).toEqual(['hsc-repos.cjs'])
    expect((await ran(PROJECT_ROOT, ['oomd', 'status', '--json'])).files).toEqual(['hsc-oomd.cjs'])
    expect((await ran(PROJECT_ROOT, ['--version'])).files).toEqual(['hsc.cjs'])
    expect((await ran(PROJECT_ROOT, ['drives', 'list', '--json'])).files).toEqual(['hsc.cjs'])
    // An argument that only looks like a group is not a file name.
    expect((await ran(PROJECT_ROOT, ['../inspect'])).files).toEqual(['hsc.cjs'])
  })

  it("the groups' bundles leave out the terminal panel, which only the app and browser mode (the full bundle) run", () => {
    for (const f of ['hsc-inspect.cjs', 'hsc-oomd.cjs', 'hsc-repos.cjs'])
      expect(readFileSync(path.join(OUT, f), 'latin1'), f).toContain(`${f} has no panel terminal`)
    expect(readFileSync(path.join(OUT, 'hsc.cjs'), 'latin1')).not.toContain('has no panel terminal')
  })

  it("inspect's bundle leaves out the fleet fact; `inspect --format prometheus`, which needs it, runs the full CLI", async () => {
    const lean = readFileSync(path.join(OUT, 'hsc-inspect.cjs'), 'latin1')
    expect(lean).toContain('hsc-inspect.cjs has no services fleet')
    expect(readFileSync(path.join(OUT, 'hsc.cjs'), 'latin1')).not.toContain('has no services fleet')
    for (const args of [
      ['inspect', '--format', 'prometheus'],
      ['inspect', '--format=prometheus']
    ]) {
      const r = await ran(PROJECT_ROOT, args)
      // The full CLI, with zod for the fact's schema; never the inspect bundle.
      expect(r.files, args.join(' ')).toEqual(['hsc.cjs', 'zod.cjs'])
      expect(r.stdout).toMatch(/^hyperscale_companion_schema_info\{schema="1",version="[^"]+"\} 1$/m)
    }
  })

  it('each bundle requires node:path once, shared by every module that imports it', () => {
    // esbuild would give each `import path from 'node:path'` (and node:os) a getter copy of the
    // module (__toESM): 21 of them ran at the start of `hsc inspect` (scripts/build-cli.mjs).
    for (const f of ['hsc.cjs', 'hsc-inspect.cjs', 'hsc-oomd.cjs', 'hsc-repos.cjs']) {
      const text = readFileSync(path.join(OUT, f), 'latin1')
      expect(text.split('require("node:path")').length - 1, f).toBe(1)
    }
  })

  it("a group's bundle asked for another group says so in a sentence, and never runs it", async () => {
    const { spawnSync } = await import('node:child_process')
    const r = spawnSync(process.execPath, [path.join(OUT, 'hsc-inspect.cjs'), 'repos', 'list'], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/hsc-inspect\.cjs has no commands repos: it is the inspect commands' own bundle/)
    expect(r.stdout).toBe('')
  })

  it('a build without them (an older or partial install) runs everything from the full CLI', async () => {
    const copy = path.join(dir, 'copy')
    mkdirSync(path.join(copy, 'out/cli'), { recursive: true })
    cpSync(path.join(PROJECT_ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true })
    cpSync(path.join(PROJECT_ROOT, 'package.json'), path.join(copy, 'package.json'))
    for (const f of ['hsc.cjs', 'zod.cjs']) cpSync(path.join(OUT, f), path.join(copy, 'out/cli', f))
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(copy, 'node_modules'))
    const r = await ran(copy, ['inspect', '--json'])
    expect(r.files).toEqual(['hsc.cjs'])
    expect(r.status, r.stderr).not.toBe(2)
    expect(JSON.parse(r.stdout)).toHaveProperty('checks')
  })
})
