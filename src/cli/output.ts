import type { CheckStatus } from '../shared/contract'

export interface Style {
  color: boolean
  bold(s: string): string
  dim(s: string): string
  status(s: CheckStatus, text?: string): string
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
}

/** `color` may be a question asked on first use: `hsc --version` never needs the answer. */
export function makeStyle(color: boolean | (() => boolean)): Style {
  let answer = typeof color === 'boolean' ? color : undefined
  const on = (): boolean => (answer ??= (color as () => boolean)())
  const wrap = (code: string) => (s: string) => (on() ? `\x1b[${code}m${s}\x1b[0m` : s)
  const red = wrap('31')
  const green = wrap('32')
  const yellow = wrap('33')
  const dim = wrap('2')
  const labels: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', unknown: '?' }
  const colors: Record<CheckStatus, (s: string) => string> = { ok: green, warn: yellow, fail: red, unknown: dim }
  return {
    get color() {
      return on()
    },
    bold: wrap('1'),
    dim,
    red,
    green,
    yellow,
    status: (s, text) => colors[s](text ?? labels[s])
  }
}

const ANSI = /\x1b\[[0-9;]*m/g
const visible = (s: string): number => [...s.replace(ANSI, '')].length

/** A plain text table; cells may carry ANSI colour, widths are measured without it. */
export function table(rows: string[][], opts: { maxWidth?: number } = {}): string {
  if (rows.length === 0) return ''
  const cols = Math.max(...rows.map((r) => r.length))
  const widths = Array.from({ length: cols }, (_, c) => Math.max(...rows.map((r) => visible(r[c] ?? ''))))
  const max = opts.maxWidth ?? 0
  return rows
    .map((r) => {
      const line = r.map((cell, c) => (c === cols - 1 ? cell : cell + ' '.repeat(widths[c] - visible(cell)))).join('  ')
      return max > 0 && visible(line) > max && !ANSI.test(line) ? line.slice(0, max - 1) + '…' : line
    })
    .join('\n')
}
