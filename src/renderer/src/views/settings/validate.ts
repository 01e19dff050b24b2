/**
 * Field checks shown next to the inputs before anything is sent. The rules are the contract's
 * own zod schemas (what settings.update will accept); only the sentences are the view's. The
 * schema module loads on demand, so zod is not part of the JS the first paint needs.
 */
import type { settingsFields } from '../../../../shared/contract/settings'

export type SettingsRules = typeof settingsFields

export const loadSettingsRules = (): Promise<SettingsRules> => import('../../../../shared/contract/settings').then((m) => m.settingsFields)

type Checked = { success: boolean; error?: { issues: { code: string }[] } }
const failed = (r: Checked, code: string): boolean => Boolean(r.error?.issues.some((i) => i.code === code))
const tooLong = (r: Checked): boolean => failed(r, 'too_big')

export function downloadDirProblem(dir: string, rules: SettingsRules): string | null {
  const r = rules.downloadDir.safeParse(dir.trim())
  if (r.success) return null
  if (tooLong(r)) return 'The path is too long (at most 4096 characters).'
  return 'Use a full path starting with /, on one line, e.g. /home/you/Downloads.'
}

/** One message per bad line: "line 2: ..."; only http(s) URLs are catalogue sources. */
export function sourceProblems(text: string, rules: SettingsRules): string[] {
  const out: string[] = []
  const lines = text
    .split('\n')
    .map((raw, i) => ({ line: raw.trim(), n: i + 1 }))
    .filter((l) => l.line)
  for (const { line, n } of lines) {
    const r = rules.catalogueSources.element.safeParse(line)
    if (r.success) continue
    // The schema's own verdicts: too long, not a URL at all, or a URL of another scheme.
    if (tooLong(r)) out.push(`line ${n}: the URL is too long (at most 2048 characters)`)
    else if (failed(r, 'invalid_format')) out.push(`line ${n}: not a URL`)
    else out.push(`line ${n}: only http(s) URLs are supported`)
  }
  if (lines.length > 0 && out.length === 0 && !rules.catalogueSources.safeParse(lines.map((l) => l.line)).success) out.push('At most 64 sources.')
  return out
}

export function proxyProblem(proxy: string, rules: SettingsRules): string | null {
  return rules.proxy.safeParse(proxy.trim()).success ? null : "Give http://host:port (optionally http://user:password@host:port), 'direct', or leave it empty."
}
