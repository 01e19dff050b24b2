import type { Check, Pressure } from '../../../../shared/contract'
import { formatPressure } from '../parsers/pressure'
import { PSI_RESOURCES, type PsiState } from '../../system/facts/psi'
import type { Facts } from '../facts'

export { PSI_RESOURCES, type PsiState }

const STATUS: Record<PsiState, Check['status']> = {
  available: 'ok',
  'off-at-boot': 'warn',
  absent: 'fail',
  unreadable: 'warn',
  unparseable: 'unknown',
  unknown: 'unknown'
}

/** PSI from the shared system fact (the same states and remedies systemd-oomd's requirement shows). */
export async function psiChecks(facts: Facts): Promise<Check[]> {
  const psi = await facts.psi()
  const base = { id: 'psi.state', group: 'psi', title: 'Pressure stall information (PSI)' } as const
  const details = { state: psi.state, config: psi.config, psiArg: psi.psiArg ?? null }
  const stateCheck: Check = { ...base, status: STATUS[psi.state], value: psi.summary, evidence: psi.evidence, details }
  if (psi.remedy) stateCheck.remedy = psi.remedy

  const readable = psi.files.filter((f) => f.pressure)
  const pressures: Record<string, Pressure | null> = {}
  for (const f of psi.files) pressures[f.resource] = f.pressure ?? null
  const pressureCheck: Check = {
    id: 'psi.pressure',
    group: 'psi',
    title: 'Current pressure (avg10/avg60/avg300 %)',
    status: psi.state === 'available' ? 'ok' : 'unknown',
    value: readable.length
      ? readable.map((f) => `${f.resource}: ${formatPressure(f.pressure as Pressure)}`).join('; ')
      : psi.state === 'unparseable'
        ? 'pressure files unparseable'
        : 'no pressure files readable',
    evidence: readable.length
      ? readable.map((f) => ({ source: f.path, excerpt: (f.text as string).trim() }))
      : [{ source: '/proc/pressure', excerpt: psi.state === 'unparseable' ? 'unparseable pressure files' : 'no readable pressure files' }],
    details: { pressure: pressures }
  }
  return [stateCheck, pressureCheck]
}
