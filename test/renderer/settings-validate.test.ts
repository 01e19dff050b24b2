// The Settings view's field checks are the contract's zod rules with the view's sentences:
// whatever the view accepts, settings.update accepts, and the other way round.
import { describe, expect, it } from 'vitest'
import { settingsPatchSchema } from '../../src/shared/contract/settings'
import { downloadDirProblem, loadSettingsRules, proxyProblem, sourceProblems } from '../../src/renderer/src/views/settings/validate'

const rules = await loadSettingsRules()
const accepted = (patch: Record<string, unknown>): boolean => settingsPatchSchema.safeParse(patch).success

describe('Settings view checks = the contract schema', () => {
  it('download folder: the same verdict as settings.update, with a sentence', () => {
    for (const dir of ['', '/home/you/Downloads', 'relative/dir', '/tmp/a\nb', '~/Downloads', '/' + 'x'.repeat(5000)]) {
      expect(downloadDirProblem(dir, rules) === null, JSON.stringify(dir.slice(0, 20))).toBe(accepted({ downloadDir: dir.trim() }))
    }
    expect(downloadDirProblem('relative/dir', rules)).toMatch(/^Use a full path starting with \//)
    expect(downloadDirProblem('/' + 'x'.repeat(5000), rules)).toMatch(/too long/)
  })

  it('catalogue sources: one sentence per bad line, and the list limit', () => {
    expect(sourceProblems('https://mirror.example/spins/\nftp://old.example/\n\nnot a url', rules)).toEqual([
      'line 2: only http(s) URLs are supported',
      'line 4: not a URL'
    ])
    expect(sourceProblems('https://a.example/\n  http://b.example/  ', rules)).toEqual([])
    expect(accepted({ catalogueSources: ['https://a.example/', 'http://b.example/'] })).toBe(true)
    const many = Array.from({ length: 65 }, (_, i) => `https://m${i}.example/`)
    expect(sourceProblems(many.join('\n'), rules)).toEqual(['At most 64 sources.'])
    expect(accepted({ catalogueSources: many })).toBe(false)
  })

  it('proxy: the same verdict as settings.update', () => {
    for (const p of ['', 'direct', 'http://proxy.example:3128', 'http://u:p@proxy.example:3128/', 'https://proxy.example:3128', 'socks5://x:1', 'proxy:3128']) {
      expect(proxyProblem(p, rules) === null, p).toBe(accepted({ proxy: p }))
    }
  })
})
