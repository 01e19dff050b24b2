import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'

const dir = path.join(PROJECT_ROOT, 'out/renderer')
const built = existsSync(path.join(dir, 'index.html'))

/** The JS a window loads before first paint: the entry script and its modulepreloads. */
function initialScripts(): string[] {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8')
  return [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="(?:\.?\/)?([^"]+\.js)"/g)].map((m) => m[1])
}

describe.skipIf(!built)(`renderer first chunk${built ? '' : ' (skipped: run npm run build first)'}`, () => {
  it('carries no zod and no xterm: validation runs in the service process, the terminal loads with its panel', () => {
    const files = initialScripts()
    expect(files.length).toBeGreaterThan(0)
    for (const f of files) {
      const js = readFileSync(path.join(dir, f), 'utf8')
      // zod's own identifiers survive minification (its classes carry these names as strings).
      expect(js, `${f} pulls in zod: import zod-free helpers from their own module, not the contract barrel`).not.toMatch(/\$ZodType|_zod\b/)
      expect(js, `${f} pulls in xterm`).not.toMatch(/xterm-helper-textarea|xterm-screen/)
    }
  })

  it('is minified (one long line per module, no indentation)', () => {
    for (const f of initialScripts()) {
      const js = readFileSync(path.join(dir, f), 'utf8')
      const indented = js.split('\n').filter((l) => /^ {2,}\S/.test(l)).length
      expect(indented, f).toBeLessThan(20)
    }
  })
})
