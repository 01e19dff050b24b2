import type { RootFs } from '../system/rootfs'

/** CPU, memory and board summary of the live machine. */
export interface HardwareSummary {
  cpu: { manufacturer: string; brand: string; cores: number; physicalCores: number; speedGHz: number }
  memory: { totalBytes: number; availableBytes: number }
  board: { manufacturer: string; model: string }
}

export type HardwareProbe = (fs: RootFs) => Promise<HardwareSummary>

const VENDORS: Record<string, string> = { GenuineIntel: 'Intel', AuthenticAMD: 'AMD', HygonGenuine: 'Hygon', CentaurHauls: 'Centaur' }

/** "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz" -> "Xeon E5-2680 v4" (the vendor is shown apart). */
function brandOf(model: string, manufacturer: string): string {
  return model
    .replace(/\((R|TM|tm|r)\)/g, '')
    .replace(/\s+CPU\b/, '')
    .replace(/\s*@\s*[\d.]+\s*GHz$/i, '')
    .replace(/\s+\d+-Core Processor$/i, '')
    .replace(new RegExp(`^${manufacturer}\\s+`, 'i'), '')
    .replace(/\s+/g, ' ')
    .trim()
}

function field(block: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim()
}

/** CPU facts from /proc/cpuinfo: logical CPUs, distinct (package, core) pairs, vendor, model, clock. */
export function parseCpuinfo(text: string, maxFreqKHz?: number): HardwareSummary['cpu'] {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b))
  const first = blocks[0] ?? ''
  const vendorId = field(first, 'vendor_id') ?? field(first, 'CPU implementer') ?? ''
  const manufacturer = VENDORS[vendorId] ?? vendorId
  const model = field(first, 'model name') ?? field(first, 'Processor') ?? field(first, 'cpu model') ?? ''
  const cores = new Set<string>()
  for (const b of blocks) {
    const pkg = field(b, 'physical id')
    const core = field(b, 'core id')
    if (pkg !== undefined && core !== undefined) cores.add(`${pkg}:${core}`)
  }
  const mhz = Number(field(first, 'cpu MHz') ?? NaN)
  const atModel = /@\s*([\d.]+)\s*GHz/i.exec(model)?.[1]
  const speedGHz = maxFreqKHz ? maxFreqKHz / 1e6 : atModel ? Number(atModel) : Number.isFinite(mhz) ? mhz / 1000 : 0
  return {
    manufacturer,
    brand: brandOf(model, manufacturer),
    cores: blocks.length,
    physicalCores: cores.size || blocks.length,
    speedGHz: Math.round(speedGHz * 100) / 100
  }
}

export function parseMeminfo(text: string): HardwareSummary['memory'] {
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024
  return { totalBytes: kib('MemTotal'), availableBytes: kib('MemAvailable') }
}

const dmi = async (fs: RootFs, name: string): Promise<string> => {
  const v = (await fs.tryReadText(`/sys/devices/virtual/dmi/id/${name}`))?.trim() ?? ''
  // Firmware placeholders say nothing about the machine.
  return /^(to be filled by o\.e\.m\.|default string|not applicable|none|\s*)$/i.test(v) ? '' : v
}

/**
 * Reads CPU, memory and board facts straight from /proc and /sys: no helper processes and
 * no probing library on the start-up path of `hsc inspect`.
 */
export const procfsHardwareProbe: HardwareProbe = async (fs) => {
  const [cpuinfo, meminfo, maxFreq, boardVendor, boardName] = await Promise.all([
    fs.tryReadText('/proc/cpuinfo'),
    fs.tryReadText('/proc/meminfo'),
    fs.tryReadText('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'),
    dmi(fs, 'board_vendor'),
    dmi(fs, 'board_name')
  ])
  if (cpuinfo === undefined || meminfo === undefined) throw new Error('/proc/cpuinfo or /proc/meminfo is not readable')
  const freq = Number(maxFreq?.trim())
  return {
    cpu: parseCpuinfo(cpuinfo, Number.isFinite(freq) && freq > 0 ? freq : undefined),
    memory: parseMeminfo(meminfo),
    board: { manufacturer: boardVendor, model: boardName }
  }
}
