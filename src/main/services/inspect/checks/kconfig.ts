import type { Check, CheckStatus, Evidence } from '../../../../shared/contract'
import { describeOption, isEnabled, optionLine, optionStates, type OptionValue } from '../parsers/kernel-config'
import { argBool, argValue } from '../parsers/cmdline'
import type { Facts } from '../facts'
import { HYPERSCALE_GROUPS, type OptionSpec } from './kconfig-options'
import { worst } from './helpers'
import { BTRFS_REMEDY } from './btrfs'

const KCONFIG_OPTION_NAMES = HYPERSCALE_GROUPS.flatMap((g) => g.options.map((o) => o.name))

interface Judged extends OptionValue {
  status: CheckStatus
  why: string
  want: OptionSpec['want']
}

function judge(spec: OptionSpec, o: OptionValue, psiOnCmdline: boolean | undefined): Judged {
  let status: CheckStatus = 'ok'
  if (o.state === 'unknown') status = 'unknown'
  else if (spec.want === 'on' && !isEnabled(o)) status = spec.miss ?? 'warn'
  else if (spec.want === 'off' && o.state !== 'not-set') status = spec.miss ?? 'warn'
  else if (spec.want === 'empty' && o.state === 'value' && o.raw !== '""') status = spec.miss ?? 'warn'
  // PSI_DEFAULT_DISABLED=y is harmless when the command line turns PSI on.
  if (spec.name === 'PSI_DEFAULT_DISABLED' && status !== 'ok' && status !== 'unknown' && psiOnCmdline === true) status = 'ok'
  // One literal, one shape for every option (a spread copies each option's own shape).
  return { name: o.name, state: o.state, raw: o.raw, present: o.present, status, why: spec.why, want: spec.want }
}

export async function kconfigChecks(facts: Facts): Promise<Check[]> {
  const [kc, cmd] = await Promise.all([facts.kernelConfig(), facts.cmdline()])
  const psiArg = cmd ? argValue(cmd.value.kernel, 'psi') : undefined
  const psiOnCmdline = argBool(psiArg)
  const triedText = kc.tried.map((t) => `${t.path}: ${t.result}`).join('\n')
  // Locations that exist but were refused (a FIFO, binary data, not a config): name them, they are not "missing".
  const unusable = kc.tried.filter((t) => t.result !== 'missing' && t.result !== 'used' && t.result !== 'kernel release unknown')
  const checks: Check[] = [
    kc.source
      ? {
          id: 'kconfig.source',
          group: 'kernel-config',
          title: 'Kernel config source',
          status: 'ok',
          value: kc.source,
          evidence: [{ source: 'lookup', excerpt: triedText }],
          details: { source: kc.source, tried: kc.tried, headerRelease: kc.config?.headerRelease ?? null }
        }
      : {
          id: 'kconfig.source',
          group: 'kernel-config',
          title: 'Kernel config source',
          status: 'unknown',
          value: unusable.length
            ? `no usable kernel config: ${unusable.map((t) => (t.result.startsWith(t.path) ? t.result : `${t.path}: ${t.result}`)).join('; ')}`
            : 'no kernel config found',
          evidence: [{ source: 'lookup', excerpt: triedText }],
          details: { source: null, tried: kc.tried },
          remedy: unusable.length
            ? {
                text: 'A file where the kernel config should be is not one (or cannot be read safely), so no option is judged. Replace it with the config of the kernel in use, or remove it.'
              }
            : {
                text: 'Kernel options cannot be read. Kernels built with CONFIG_IKCONFIG_PROC=m provide /proc/config.gz after loading the configs module; distribution kernels install /boot/config-<release>.',
                command: 'modprobe configs'
              }
        }
  ]
  const states = new Map(optionStates(kc.config, KCONFIG_OPTION_NAMES).map((o) => [o.name, o]))
  for (const group of HYPERSCALE_GROUPS) {
    // One pass over the group's options for what the check is made of: a cold report runs
    // each callback of a chain of array methods unoptimised (#15).
    const judged: Judged[] = []
    const problems: Judged[] = []
    const lines: string[] = []
    const options: Array<Record<string, unknown>> = []
    for (const spec of group.options) {
      const j = judge(spec, states.get(spec.name)!, psiOnCmdline)
      judged.push(j)
      if (j.status === 'warn' || j.status === 'fail') problems.push(j)
      lines.push(optionLine(j))
      options.push({ name: j.name, state: j.state, raw: j.raw ?? null, present: j.present, want: j.want, status: j.status, why: j.why })
    }
    const status = kc.config ? worst(judged.map((j) => j.status)) : 'unknown'
    let value: string
    if (!kc.config) value = 'unknown (no kernel config found)'
    else if (group.options.length <= 6) value = judged.map(describeOption).join(', ')
    else
      value = problems.length
        ? `${problems.map(describeOption).join(', ')}; ${judged.length - problems.length} of ${judged.length} as wanted`
        : `all ${judged.length} options as wanted`
    const evidence: Evidence[] = [{ source: kc.source ?? 'kernel config', excerpt: lines.join('\n') }]
    const check: Check = {
      id: group.id,
      group: 'kernel-config',
      title: group.title,
      status,
      value,
      evidence,
      details: { source: kc.source ?? null, options }
    }
    const byName = new Map(judged.map((j) => [j.name, j]))
    if (group.id === 'kconfig.storage' && byName.get('BTRFS_FS')?.status === 'warn') check.remedy = BTRFS_REMEDY
    if (group.id === 'kconfig.resources') {
      const psiDd = byName.get('PSI_DEFAULT_DISABLED')
      if (psiDd?.state === 'builtin') evidence.push({ source: '/proc/cmdline', excerpt: psiArg === undefined ? 'no psi= parameter' : `psi=${psiArg}` })
      if (psiDd?.status === 'warn' && byName.get('PSI')?.status === 'ok') {
        check.remedy = {
          text: 'PSI is built but disabled by default; systemd-oomd needs it. Turn it on at boot and reboot.',
          command: 'grubby --update-kernel=ALL --args=psi=1'
        }
      } else if (problems.length) {
        check.remedy = { text: `This kernel lacks ${problems.map((p) => p.name).join(', ')}. Use a kernel built with them, such as the Hyperscale kernel.` }
      }
    }
    if (!check.remedy && problems.length && group.id !== 'kconfig.storage') {
      check.remedy = {
        text: `This kernel lacks or misconfigures ${problems.map((p) => p.name).join(', ')} (${problems.map((p) => p.why).join('; ')}). Use a kernel built with the wanted settings.`
      }
    }
    checks.push(check)
  }
  return checks
}
