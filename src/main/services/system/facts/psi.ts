import type { Evidence, KconfigState, Pressure, Remedy } from '../../../../shared/contract'
import { argBool } from '../../inspect/parsers/cmdline'
import { optionLine, optionState } from '../../inspect/parsers/kernel-config'
import { parsePressure } from '../../inspect/parsers/pressure'
import type { RootFs } from '../rootfs'
import { cmdArg, type CmdlineFact } from './cmdline'
import type { KernelConfigFact } from './kernel-config'
import { preview } from './text'

export const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const
export type PsiResource = (typeof PSI_RESOURCES)[number]

/**
 * One vocabulary for PSI, shared by the inspector and systemd-oomd's requirements:
 * available (all three files read and parsed), off-at-boot (built, switched off),
 * absent (CONFIG_PSI not set), unreadable (files exist, reads fail), unparseable (files
 * read, contents are not PSI), unknown (no files and nothing that explains why).
 */
export type PsiState = 'available' | 'off-at-boot' | 'absent' | 'unreadable' | 'unparseable' | 'unknown'

export interface PsiFile {
  resource: PsiResource
  path: string
  state: 'ok' | 'missing' | 'unreadable' | 'unparseable'
  text?: string
  pressure?: Pressure
  reason?: string
}

export interface PsiFact {
  state: PsiState
  files: PsiFile[]
  config: { PSI: KconfigState; PSI_DEFAULT_DISABLED: KconfigState }
  psiArg?: string
  /** A sentence: what the state means here. */
  summary: string
  evidence: Evidence[]
  remedy?: Remedy
}

export const PSI_ON_REMEDY: Remedy = {
  text: 'PSI is compiled in but switched off at boot (CONFIG_PSI_DEFAULT_DISABLED=y without psi=1, or psi=0). systemd-oomd needs it: add psi=1 to the kernel command line and reboot.',
  command: 'grubby --update-kernel=ALL --args=psi=1'
}
export const PSI_KERNEL_REMEDY: Remedy = {
  text: 'This kernel was built without PSI (CONFIG_PSI), so systemd-oomd cannot work. Run a kernel with CONFIG_PSI=y, such as the CentOS Stream 9/10 or Hyperscale kernels.'
}

async function readPsiFile(fs: RootFs, resource: PsiResource): Promise<PsiFile> {
  const path = `/proc/pressure/${resource}`
  const r = await fs.read(path, { maxBytes: 64 * 1024 })
  if (!r.ok) return { resource, path, state: r.why === 'missing' ? 'missing' : 'unreadable', reason: r.reason }
  const text = r.data.toString()
  try {
    return { resource, path, state: 'ok', text, pressure: parsePressure(text, path) }
  } catch (err) {
    return { resource, path, state: 'unparseable', text, reason: `${path} is unparseable (${(err as Error).message.slice(0, 160)})` }
  }
}

/** PSI as systemd-oomd meets it: the files are read and parsed, not just checked for existence (the unit's ConditionPathExists= only checks that). */
export async function detectPsi(fs: RootFs, kc: KernelConfigFact, cmd: CmdlineFact | undefined): Promise<PsiFact> {
  const files = await Promise.all(PSI_RESOURCES.map((r) => readPsiFile(fs, r)))
  const psi = optionState(kc.config, 'PSI')
  const dd = optionState(kc.config, 'PSI_DEFAULT_DISABLED')
  const psiArg = cmdArg(cmd, 'psi')
  const psiOn = argBool(psiArg)
  const evidence: Evidence[] = files.map((f) => ({
    source: f.path,
    excerpt: f.state === 'ok' ? (f.text as string).trim() : f.state === 'unparseable' ? `unparseable: ${preview(f.text ?? '', 80)}` : (f.reason ?? f.state)
  }))
  evidence.push({ source: kc.source ?? 'kernel config', excerpt: `${optionLine(psi)}\n${optionLine(dd)}` })
  evidence.push({
    source: '/proc/cmdline',
    excerpt: cmd?.state !== 'ok' ? `not usable: ${cmd?.reason ?? 'missing'}` : psiArg === undefined ? 'no psi= parameter' : `psi=${psiArg}`
  })
  const bad = (s: PsiFile['state']) => files.filter((f) => f.state === s).map((f) => f.resource)
  let state: PsiState
  let summary: string
  let remedy: Remedy | undefined
  if (files.every((f) => f.state === 'ok')) {
    state = 'available'
    summary = `available${dd.state === 'builtin' ? ' (enabled by psi=1)' : ''}`
  } else if (bad('unreadable').length) {
    state = 'unreadable'
    const unparseable = bad('unparseable')
    summary = `/proc/pressure present but ${bad('unreadable').join(', ')} not readable${unparseable.length ? `; ${unparseable.join(', ')} unparseable` : ''}`
    if (psiOn === undefined && dd.state === 'builtin') remedy = PSI_ON_REMEDY
  } else if (bad('unparseable').length) {
    state = 'unparseable'
    summary = `${bad('unparseable')
      .map((r) => `/proc/pressure/${r}`)
      .join(', ')} unparseable (not PSI data)`
  } else if (files.some((f) => f.state === 'ok')) {
    state = 'unreadable'
    summary = `/proc/pressure present but ${bad('missing').join(', ')} missing`
  } else if (psi.state === 'not-set') {
    state = 'absent'
    summary = 'not in this kernel (CONFIG_PSI not set)'
    remedy = PSI_KERNEL_REMEDY
  } else if (psi.state === 'builtin' && (psiOn === false || (dd.state === 'builtin' && psiOn !== true))) {
    state = 'off-at-boot'
    summary = psiOn === false ? 'compiled in but turned off by psi=0' : 'compiled in but off at boot (PSI_DEFAULT_DISABLED without psi=1)'
    remedy = PSI_ON_REMEDY
  } else {
    state = 'unknown'
    summary = psiOn === true ? 'psi=1 is set but /proc/pressure is missing' : 'no /proc/pressure and no kernel config to explain why'
  }
  return { state, files, config: { PSI: psi.state, PSI_DEFAULT_DISABLED: dd.state }, psiArg, summary, evidence, remedy }
}
