import type { DnfHistory } from '../../../shared/contract/repos'
import type { Dnf } from './dnf'

/**
 * What `dnf history undo last` would act on. dnf 4 answers `history info last` on an empty
 * history with a Python traceback and exit 1, which is indistinguishable from an unreadable
 * database, so an empty `history list` (or a root without an rpm database) is what proves
 * there is nothing to undo.
 */
export async function dnfHistory(dnf: Dnf): Promise<DnfHistory> {
  // No rpm database: nothing was ever installed here, and asking dnf would create one.
  if (!(await dnf.hasRpmDb())) return { state: 'none' }
  const info = await dnf.query(['-q', 'history', 'info', 'last'])
  if (info.code === 0) {
    const field = (re: RegExp) => re.exec(info.stdout)?.[1]?.trim()
    const id = field(/^Transaction ID\s*:\s*(\S+)/im)
    if (id) {
      const cmd = field(/^Command line\s*:\s*(.*)$/im)
      const when = field(/^(?:Begin|Start) time\s*:\s*(.*)$/im)
      const shown = cmd && cmd.length > 400 ? cmd.slice(0, 399) + '…' : cmd
      return { state: 'some', last: `#${id}${shown || when ? ` (${[shown, when].filter(Boolean).join(', ')})` : ''}` }
    }
  }
  const list = await dnf.query(['-q', 'history', 'list'])
  if (list.code !== 0 || list.spawnError) return { state: 'unknown' }
  // Rows are "ID | Command line | Date | Action | Altered" below a header and a dashed rule.
  const rows = list.stdout.split('\n').filter((l) => /^\s*\d+\s*\|/.test(l))
  return rows.length === 0 ? { state: 'none' } : { state: 'unknown' }
}
