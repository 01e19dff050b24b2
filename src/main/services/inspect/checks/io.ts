import type { Check, Evidence } from '../../../../shared/contract'
import { optionLine, optionState } from '../parsers/kernel-config'
import { ioMaxLimits, parseDeviceKeyed, parseScheduler } from '../parsers/block'
import type { Facts } from '../facts'

/**
 * IO control as Meta's resctl-demo requires it (resctl-demo/src/doc/intro.sysreqs.rd):
 * the io controller on cgroup v2 with blk-iocost enabled and a cost model, no other IO
 * controller (blk-throttle io.max, io.latency) configured alongside, writeback throttling
 * off and a scheduler other than bfq on devices that iocost manages.
 */

/** Devices that are not disks of their own (by name prefix): loop, RAM, compressed RAM, optical, floppy, network block. */
const VIRTUAL = ['loop', 'ram', 'zram', 'sr', 'fd', 'nbd']
const isVirtual = (name: string): boolean => VIRTUAL.some((prefix) => name.startsWith(prefix))

export interface BlockDevice {
  name: string
  majMin?: string
  rotational?: boolean
  scheduler?: { active?: string; available: string[] }
  wbtLatUsec?: number
  /** dm-* and md* stack on other devices, so IO control sees through them only partly. */
  composite: boolean
  evidence: Evidence[]
}

async function readDevice(facts: Facts, name: string): Promise<BlockDevice> {
  const dir = `/sys/block/${name}`
  const [dev, rot, sched, wbt] = await Promise.all([
    facts.text(`${dir}/dev`),
    facts.text(`${dir}/queue/rotational`),
    facts.text(`${dir}/queue/scheduler`),
    facts.text(`${dir}/queue/wbt_lat_usec`)
  ])
  const d: BlockDevice = { name, composite: name.startsWith('dm-') || name.startsWith('md'), evidence: [] }
  if (dev && /^\d+:\d+$/.test(dev.trim())) d.majMin = dev.trim()
  if (rot !== undefined) d.rotational = rot.trim() === '1'
  if (sched !== undefined) {
    d.scheduler = parseScheduler(sched)
    d.evidence.push({ source: `${dir}/queue/scheduler`, excerpt: sched.trim() })
  }
  if (wbt !== undefined && /^-?\d+$/.test(wbt.trim())) {
    d.wbtLatUsec = Number(wbt.trim())
    d.evidence.push({ source: `${dir}/queue/wbt_lat_usec`, excerpt: wbt.trim() })
  }
  return d
}

/** The block devices worth judging, read once per report. */
export function blockDevices(facts: Facts): Promise<BlockDevice[]> {
  return facts.memoised('block-devices', async () => {
    const names = (await facts.fs.list('/sys/block')).filter((n) => !isVirtual(n))
    return Promise.all(names.map((n) => readDevice(facts, n)))
  })
}

interface IoCost {
  qosPath?: string
  enabled: Map<string, Record<string, string>>
  models: Map<string, Record<string, string>>
  evidence: Evidence[]
}

async function ioCost(facts: Facts, v2Dir: string | null): Promise<IoCost> {
  if (!v2Dir) return { enabled: new Map(), models: new Map(), evidence: [] }
  const qosPath = `${v2Dir}/io.cost.qos`
  const [qos, model] = await Promise.all([facts.text(qosPath), facts.text(`${v2Dir}/io.cost.model`)])
  const evidence: Evidence[] = []
  if (qos !== undefined) evidence.push({ source: qosPath, excerpt: qos.trim() || '(empty: no device configured)' })
  if (model !== undefined) evidence.push({ source: `${v2Dir}/io.cost.model`, excerpt: model.trim() || '(empty)' })
  const all = qos !== undefined ? parseDeviceKeyed(qos) : new Map<string, Record<string, string>>()
  const enabled = new Map([...all].filter(([, kv]) => kv.enable === '1'))
  return { qosPath: qos !== undefined ? qosPath : undefined, enabled, models: model !== undefined ? parseDeviceKeyed(model) : new Map(), evidence }
}

const IOCOST_ENABLE = (majMin: string) => `echo "${majMin} enable=1" > /sys/fs/cgroup/io.cost.qos`

export async function ioChecks(facts: Facts): Promise<Check[]> {
  const [cg, kc, devices] = await Promise.all([facts.cgroup(), facts.kernelConfig(), blockDevices(facts)])
  const v2Dir = cg.unifiedPath
  const controllersText = v2Dir ? await facts.text(`${v2Dir}/cgroup.controllers`) : undefined
  const controllers = controllersText?.trim().split(/\s+/).filter(Boolean) ?? []
  const iocostCfg = optionState(kc.config, 'BLK_CGROUP_IOCOST')
  const throttleCfg = optionState(kc.config, 'BLK_DEV_THROTTLING')
  const latencyCfg = optionState(kc.config, 'BLK_CGROUP_IOLATENCY')
  const cost = await ioCost(facts, v2Dir)
  const checks: Check[] = []

  // io controller on cgroup v2
  const cbase = { id: 'io.controller', group: 'storage', title: 'IO controller on cgroup v2' } as const
  if (!v2Dir) {
    checks.push({
      ...cbase,
      status: cg.mode === 'unknown' ? 'unknown' : 'warn',
      value: cg.mode === 'unknown' ? 'cgroup hierarchy unknown' : `no cgroup v2 root (${cg.mode} hierarchy)`,
      evidence: cg.evidence,
      details: { available: false, mode: cg.mode }
    })
  } else {
    const has = controllers.includes('io')
    checks.push({
      ...cbase,
      status: controllersText === undefined ? 'unknown' : has ? 'ok' : 'warn',
      value: controllersText === undefined ? `${v2Dir}/cgroup.controllers not readable` : has ? 'io controller available' : 'io controller not on cgroup v2',
      evidence: [
        {
          source: `${v2Dir}/cgroup.controllers`,
          excerpt: controllersText === undefined ? 'not readable' : controllersText.trim() || '(empty: every controller is bound to a v1 hierarchy)'
        }
      ],
      details: { available: has, mode: cg.mode },
      ...(controllersText !== undefined && !has
        ? {
            remedy: {
              text: 'The io controller is not offered on cgroup v2: it is bound to a cgroup v1 hierarchy (hybrid/legacy boot) or switched off with cgroup_disable=io. Boot with the unified hierarchy and without cgroup_disable=io.',
              command: 'grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1'
            }
          }
        : {})
    })
  }

  // blk-iocost
  const kbase = { id: 'io.cost', group: 'storage', title: 'IO cost controller (blk-iocost)' } as const
  const costEvidence: Evidence[] = [{ source: kc.source ?? 'kernel config', excerpt: optionLine(iocostCfg) }, ...cost.evidence]
  const enabledDevs = [...cost.enabled.keys()]
  const withModel = enabledDevs.filter((d) => cost.models.has(d))
  const costDetails = { config: iocostCfg.state, enabledDevices: enabledDevs, modelDevices: [...cost.models.keys()] }
  const disks = devices.filter((d) => !d.composite && d.majMin)
  if (iocostCfg.state === 'not-set') {
    checks.push({
      ...kbase,
      status: 'warn',
      value: 'not in this kernel (CONFIG_BLK_CGROUP_IOCOST not set)',
      evidence: costEvidence,
      details: costDetails,
      remedy: {
        text: 'blk-iocost distributes IO capacity proportionally between cgroups (Meta runs it fleet-wide). Use a kernel built with CONFIG_BLK_CGROUP_IOCOST=y, such as the CentOS Stream 9/10 and Hyperscale kernels.'
      }
    })
  } else if (v2Dir && controllersText !== undefined && !controllers.includes('io')) {
    checks.push({
      ...kbase,
      status: 'warn',
      value: `${iocostCfg.state === 'builtin' ? 'built in' : 'configured'}, but unusable: the io controller is not on cgroup v2`,
      evidence: costEvidence,
      details: costDetails,
      remedy: {
        text: 'iocost works only through the cgroup v2 io controller. Boot with the unified hierarchy (see cgroup hierarchy) so io moves to cgroup v2.',
        command: 'grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1'
      }
    })
  } else if (enabledDevs.length) {
    const noModel = enabledDevs.filter((d) => !cost.models.has(d))
    checks.push({
      ...kbase,
      status: noModel.length ? 'warn' : 'ok',
      value: `enabled on ${enabledDevs.join(', ')}${noModel.length ? `; no cost model for ${noModel.join(', ')}` : `, model ${withModel.map((d) => cost.models.get(d)?.model ?? '?').join(', ')}`}`,
      evidence: costEvidence,
      details: costDetails,
      ...(noModel.length
        ? {
            remedy: {
              text: 'iocost is on but has no cost model for the device, so its capacity estimate is a guess. Generate coefficients with resctl-bench (iocost-tune) and write them to io.cost.model.'
            }
          }
        : {})
    })
  } else if (cost.qosPath) {
    checks.push({
      ...kbase,
      status: 'warn',
      value: 'built in, but enabled on no device',
      evidence: costEvidence,
      details: costDetails,
      remedy: {
        text: 'blk-iocost is available but not switched on for any disk, so IO is not shared proportionally between cgroups. Enable it per device (resctl-demo does this; systemd does not).',
        command: disks[0]?.majMin ? IOCOST_ENABLE(disks[0].majMin) : undefined
      }
    })
  } else {
    checks.push({
      ...kbase,
      status: 'unknown',
      value:
        iocostCfg.state === 'unknown'
          ? 'no kernel config and no io.cost.qos to read'
          : `${iocostCfg.state === 'builtin' ? 'built in' : 'configured'}; io.cost.qos not readable (it exists only on the cgroup v2 root)`,
      evidence: costEvidence,
      details: costDetails
    })
  }

  // Other IO controllers alongside iocost
  const tbase = { id: 'io.throttle', group: 'storage', title: 'Other IO controllers (blk-throttle, io.latency)' } as const
  const tEvidence: Evidence[] = [{ source: kc.source ?? 'kernel config', excerpt: `${optionLine(throttleCfg)}\n${optionLine(latencyCfg)}` }]
  const limited: string[] = []
  if (v2Dir) {
    // Top-level cgroups only (the slices systemd creates): bounded, and where IO*Max= settings of slices land.
    const subdirs = (await facts.fs.list(v2Dir)).filter((n) => n.endsWith('.slice') || n.endsWith('.scope') || n.endsWith('.service'))
    const files = await Promise.all(
      subdirs.slice(0, 64).flatMap((n) => [`${v2Dir}/${n}/io.max`, `${v2Dir}/${n}/io.latency`].map(async (f) => ({ f, text: await facts.text(f) })))
    )
    for (const { f, text } of files) {
      if (!text?.trim()) continue
      const entries = parseDeviceKeyed(text)
      const active = f.endsWith('io.max')
        ? [...entries.values()].some(ioMaxLimits)
        : [...entries.values()].some((kv) => kv.target !== undefined && kv.target !== 'max')
      if (active) {
        limited.push(f)
        tEvidence.push({ source: f, excerpt: text.trim() })
      }
    }
  }
  const tDetails = { throttling: throttleCfg.state, ioLatency: latencyCfg.state, configured: limited }
  if (limited.length) {
    checks.push({
      ...tbase,
      status: enabledDevs.length ? 'warn' : 'ok',
      value: `${limited.length} cgroup${limited.length === 1 ? '' : 's'} with io.max/io.latency limits${enabledDevs.length ? ' alongside iocost' : ''}`,
      evidence: tEvidence,
      details: tDetails,
      ...(enabledDevs.length
        ? {
            remedy: {
              text: "io.max (blk-throttle) and io.latency limits interfere with iocost's proportional control. Remove IOReadBandwidthMax=, IOWriteBandwidthMax=, IOReadIOPSMax=, IOWriteIOPSMax= and IODeviceLatencyTargetSec= from the units that set them."
            }
          }
        : {})
    })
  } else {
    checks.push({
      ...tbase,
      status: v2Dir ? 'ok' : 'unknown',
      value: v2Dir ? 'no io.max or io.latency limits on the top-level cgroups' : 'no cgroup v2 root to look at',
      evidence: tEvidence,
      details: tDetails
    })
  }

  // Writeback throttling and the IO scheduler, per disk
  const wbase = { id: 'io.wbt', group: 'storage', title: 'Writeback throttling (WBT)' } as const
  const sbase = { id: 'io.scheduler', group: 'storage', title: 'IO scheduler' } as const
  if (!disks.length) {
    const why = devices.length ? 'only stacked devices (dm, md)' : 'no block devices under /sys/block'
    checks.push({
      ...wbase,
      status: 'unknown',
      value: why,
      evidence: [{ source: '/sys/block', excerpt: devices.map((d) => d.name).join(' ') || 'empty or missing' }],
      details: { devices: [] }
    })
    checks.push({
      ...sbase,
      status: 'unknown',
      value: why,
      evidence: [{ source: '/sys/block', excerpt: devices.map((d) => d.name).join(' ') || 'empty or missing' }],
      details: { devices: [] }
    })
    return checks
  }
  const managed = (d: BlockDevice) => d.majMin !== undefined && cost.enabled.has(d.majMin)
  const wbtOn = disks.filter((d) => (d.wbtLatUsec ?? 0) > 0)
  const wbtBad = wbtOn.filter(managed)
  checks.push({
    ...wbase,
    status: wbtBad.length ? 'warn' : disks.some((d) => d.wbtLatUsec !== undefined) ? 'ok' : 'unknown',
    value: disks
      .map((d) => `${d.name}: ${d.wbtLatUsec === undefined ? 'n/a' : d.wbtLatUsec === 0 ? 'off' : `${d.wbtLatUsec} µs`}${managed(d) ? ' (iocost)' : ''}`)
      .join('; '),
    evidence: disks.flatMap((d) => d.evidence.filter((e) => e.source.endsWith('wbt_lat_usec'))),
    details: { devices: disks.map((d) => ({ name: d.name, majMin: d.majMin ?? null, wbtLatUsec: d.wbtLatUsec ?? null, iocost: managed(d) })) },
    ...(wbtBad.length
      ? {
          remedy: {
            text: `Writeback throttling is on for ${wbtBad.map((d) => d.name).join(', ')}, where iocost controls IO; the two fight over the same writes. Turn WBT off on those devices (a udev rule makes it permanent).`,
            command: wbtBad.map((d) => `echo 0 > /sys/block/${d.name}/queue/wbt_lat_usec`).join(' && ')
          }
        }
      : {})
  })
  const bfqBad = disks.filter((d) => d.scheduler?.active === 'bfq' && managed(d))
  checks.push({
    ...sbase,
    status: bfqBad.length ? 'warn' : disks.some((d) => d.scheduler) ? 'ok' : 'unknown',
    value: disks
      .map((d) => `${d.name}: ${d.scheduler?.active ?? 'n/a'}${d.rotational === undefined ? '' : d.rotational ? ' (rotational)' : ' (SSD)'}`)
      .join('; '),
    evidence: disks.flatMap((d) => d.evidence.filter((e) => e.source.endsWith('scheduler'))),
    details: {
      devices: disks.map((d) => ({
        name: d.name,
        active: d.scheduler?.active ?? null,
        available: d.scheduler?.available ?? [],
        rotational: d.rotational ?? null,
        iocost: managed(d)
      }))
    },
    ...(bfqBad.length
      ? {
          remedy: {
            text: `bfq's own proportional IO control conflicts with iocost on ${bfqBad.map((d) => d.name).join(', ')}. Use mq-deadline (or none on fast NVMe).`,
            command: bfqBad.map((d) => `echo mq-deadline > /sys/block/${d.name}/queue/scheduler`).join(' && ')
          }
        }
      : {})
  })
  return checks
}
