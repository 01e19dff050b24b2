import type { Check, Evidence, Pressure } from '../../../../shared/contract'
import { optionLine, optionState } from '../parsers/kernel-config'
import { argBool, argValue } from '../parsers/cmdline'
import { formatPressure, parsePressure } from '../parsers/pressure'
import type { Facts } from '../facts'

export const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const
export type PsiState = 'available' | 'off-at-boot' | 'absent' | 'unreadable' | 'unknown'

const PSI_ON_REMEDY = { text: 'PSI is compiled in but disabled at boot (CONFIG_PSI_DEFAULT_DISABLED=y). systemd-oomd needs it: add psi=1 to the kernel command line and reboot.', command: 'grubby --update-kernel=ALL --args=psi=1' }

export async function psiChecks(facts: Facts): Promise<Check[]> {
  const [kc, cmd] = await Promise.all([facts.kernelConfig(), facts.cmdline()])
  // Read the files, not just their existence: oomd's ConditionPathExists passes on files that cannot be read.
  const files = await Promise.all(
    PSI_RESOURCES.map(async (r) => {
      const path = `/proc/pressure/${r}`
      const text = await facts.text(path)
      if (text === undefined) return { r, path, exists: await facts.fs.exists(path), error: 'not readable' }
      try {
        return { r, path, exists: true, text, pressure: parsePressure(text, path) }
      } catch (err) {
        return { r, path, exists: true, text, error: (err as Error).message }
      }
    })
  )
  const psi = optionState(kc.config, 'PSI')
  const dd = optionState(kc.config, 'PSI_DEFAULT_DISABLED')
  const psiArg = cmd ? argValue(cmd.value.kernel, 'psi') : undefined
  const psiOn = argBool(psiArg)
  const readable = files.filter((f) => f.pressure)
  const evidence: Evidence[] = files.map((f) => ({ source: f.path, excerpt: f.text !== undefined ? f.text.trim() : f.exists ? `exists but ${f.error}` : 'missing' }))
  evidence.push({ source: kc.source ?? 'kernel config', excerpt: `${optionLine(psi)}\n${optionLine(dd)}` })
  evidence.push({ source: '/proc/cmdline', excerpt: psiArg === undefined ? 'no psi= parameter' : `psi=${psiArg}` })

  let state: PsiState
  if (readable.length === PSI_RESOURCES.length) state = 'available'
  else if (files.some((f) => f.exists)) state = 'unreadable'
  else if (psi.state === 'not-set') state = 'absent'
  else if (psi.state === 'builtin' && (psiOn === false || (dd.state === 'builtin' && psiOn !== true))) state = 'off-at-boot'
  else state = 'unknown'

  const base = { id: 'psi.state', group: 'psi', title: 'Pressure stall information (PSI)' } as const
  const details = { state, config: { PSI: psi.state, PSI_DEFAULT_DISABLED: dd.state }, psiArg: psiArg ?? null }
  const stateCheck: Check =
    state === 'available'
      ? { ...base, status: 'ok', value: `available${dd.state === 'builtin' ? ' (enabled by psi=1)' : ''}`, evidence, details }
      : state === 'off-at-boot'
        ? { ...base, status: 'warn', value: psiOn === false ? 'compiled in but turned off by psi=0' : 'compiled in but off at boot (PSI_DEFAULT_DISABLED without psi=1)', evidence, details, remedy: PSI_ON_REMEDY }
        : state === 'absent'
          ? { ...base, status: 'fail', value: 'not in this kernel (CONFIG_PSI not set)', evidence, details, remedy: { text: 'This kernel was built without PSI, so systemd-oomd cannot work. Use a kernel with CONFIG_PSI=y (CentOS Stream 9/10 and Hyperscale kernels have it).' } }
          : state === 'unreadable'
            ? { ...base, status: 'warn', value: `/proc/pressure present but ${files.filter((f) => !f.pressure).map((f) => f.r).join(', ')} not readable`, evidence, details, remedy: psiOn === undefined && dd.state === 'builtin' ? PSI_ON_REMEDY : undefined }
            : { ...base, status: 'unknown', value: psiOn === true ? 'psi=1 is set but /proc/pressure is missing' : 'no /proc/pressure and no kernel config to explain why', evidence, details }

  const pressures: Record<string, Pressure | null> = {}
  for (const f of files) pressures[f.r] = f.pressure ?? null
  const pressureCheck: Check = {
    id: 'psi.pressure',
    group: 'psi',
    title: 'Current pressure (avg10/avg60/avg300 %)',
    status: state === 'available' ? 'ok' : 'unknown',
    value: readable.length ? readable.map((f) => `${f.r}: ${formatPressure(f.pressure as Pressure)}`).join('; ') : 'no pressure files readable',
    evidence: readable.length ? readable.map((f) => ({ source: f.path, excerpt: (f.text as string).trim() })) : [{ source: '/proc/pressure', excerpt: 'no readable pressure files' }],
    details: { pressure: pressures }
  }
  return [stateCheck, pressureCheck]
}
