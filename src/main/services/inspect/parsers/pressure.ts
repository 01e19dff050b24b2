import type { Pressure, PressureAverages } from '../../../../shared/contract'
import { AppError } from '../../../../shared/contract/errors'

const LINE = /^(some|full) avg10=(\d+(?:\.\d+)?) avg60=(\d+(?:\.\d+)?) avg300=(\d+(?:\.\d+)?) total=(\d+)$/

/**
 * Parses a PSI file (Documentation/accounting/psi.rst): a "some" line and, for memory and
 * io (and cpu since 5.13, where it reads zeros at system level), a "full" line. Shared with
 * the oomd service, which samples per-cgroup memory.pressure files.
 */
export function parsePressure(text: string, source = 'pressure file'): Pressure {
  let some: PressureAverages | undefined
  let full: PressureAverages | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    const m = LINE.exec(line)
    if (!m) throw new AppError('ParseError', `unexpected line in ${source}: ${line.slice(0, 120)}`, { stage: `parse ${source}` })
    const v = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), total: Number(m[5]) }
    if (m[1] === 'some') some = v
    else full = v
  }
  if (!some) throw new AppError('ParseError', `${source} has no "some" line`, { stage: `parse ${source}` })
  return full ? { some, full } : { some }
}

export function formatPressure(p: Pressure): string {
  const one = (a: PressureAverages) => `${a.avg10.toFixed(2)}/${a.avg60.toFixed(2)}/${a.avg300.toFixed(2)}`
  return `some ${one(p.some)}` + (p.full ? `, full ${one(p.full)}` : '')
}
