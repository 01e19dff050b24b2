import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runHsc } from '../support/hsc'

// What a cold read command loads decides how fast it starts (issue 15: each byte of module
// source is compiled on every run). This records every module the built `hsc` resolves,
// through a real Node module hook, and asserts the read commands stay off zod (the schemas'
// library, ~390 KB) and off the CLI's other command groups. A structural check, no timing.
const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-modules-'))
const hooks = path.join(dir, 'hooks.mjs')
const register = path.join(dir, 'register.mjs')
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  appendFileSync(process.env.HSC_MODULE_LOG, r.url + '\\n')
  return r
}
`
)
writeFileSync(register, `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Source files (from the bundles' `// src/...` and `// node_modules/...` markers) a command loaded. */
async function loadedSources(args: string[]): Promise<{ sources: Set<string>; status: number | null; stderr: string }> {
  const log = path.join(dir, `${args.join('-')}.log`)
  writeFileSync(log, '')
  const r = await runHsc(args, { NODE_OPTIONS: `--import ${register}`, HSC_MODULE_LOG: log, HSC_STATE_DIR: path.join(dir, 'state') })
  const sources = new Set<string>()
  for (const url of new Set(
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:') && u.includes('/out/cli/'))
  )) {
    const file = new URL(url).pathname
    for (const m of readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)/gm)) sources.add(m[1])
  }
  // Minified bundles drop the markers: their source maps still name every source.
  for (const url of new Set(
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.includes('/out/cli/'))
  )) {
    let map: { sources?: string[] }
    try {
      map = JSON.parse(readFileSync(new URL(url).pathname + '.map', 'utf8'))
    } catch {
      continue
    }
    for (const s of map.sources ?? []) sources.add(s.replace(/^(\.\.\/)+/, ''))
  }
  return { sources, status: r.status, stderr: r.stderr }
}

describe('cold read commands load only what they use (built hsc, real module hook)', () => {
  for (const args of [
    ['inspect', '--json'],
    ['repos', 'list', '--json'],
    ['oomd', 'status', '--json']
  ]) {
    it(`hsc ${args.join(' ')}: no zod, no other command group`, async () => {
      const { sources, status, stderr } = await loadedSources(args)
      expect(status, stderr).not.toBe(2)
      expect(sources.size, 'the hook saw the bundle').toBeGreaterThan(5)
      const own = args[0]
      expect([...sources].filter((s) => s.includes('node_modules/zod/'))).toEqual([])
      expect([...sources].filter((s) => /^src\/cli\/commands\//.test(s) && !s.endsWith(`/${own}.ts`) && !s.endsWith('/index.ts'))).toEqual([])
      expect([...sources].filter((s) => /^src\/shared\/contract\/(settings|spins|drives|customise|files|fleet|terminal)\.ts$/.test(s))).toEqual([])
    })
  }

  it('a command with a real input still validates it with its schema (zod loads there)', async () => {
    const { sources, status } = await loadedSources(['repos', 'enable', 'bad id!'])
    expect(status).toBe(2)
    expect([...sources].some((s) => s.includes('node_modules/zod/'))).toBe(true)
  })
})
