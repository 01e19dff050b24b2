import { parseMeminfo as parseProcMeminfo } from './parsers/procfs'

/** CPU, memory and board summary of the live machine. */
export interface HardwareSummary {
  cpu: { manufacturer: string; brand: string; cores: number; physicalCores: number; speedGHz: number }
  memory: { totalBytes: number; availableBytes: number }
  board: { manufacturer: string; model: string }
}

/** Reads a system file's text, or undefined: the report's own reader, so a file two checks need is read once. */
export type ReadText = (systemPath: string) => Promise<string | undefined>

/** The report's own readers (its SystemFacts): a file, or /proc/meminfo, that other checks need too is read and parsed once. */
export interface HardwareSources {
  text: ReadText
  /** /proc/meminfo parsed, values in KiB; undefined when it cannot be read. */
  meminfo(): Promise<Record<string, number> | undefined>
}

export type HardwareProbe = (sources: HardwareSources) => Promise<HardwareSummary>

const VENDORS: Record<string, string> = { GenuineIntel: 'Intel', AuthenticAMD: 'AMD', HygonGenuine: 'Hygon', CentaurHauls: 'Centaur' }

/**
 * "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz" -> "Xeon E5-2680 v4" (the vendor is shown apart).
 * Each pattern runs only on a name with its words in it: a cold report compiled every one of
 * them for names that have none (and a replace pattern to machine code at once) (#15).
 */
function brandOf(model: string, manufacturer: string): string {
  const lower = model.toLowerCase()
  let cleaned = model
  if (model.includes('(')) cleaned = cleaned.replace(/\((R|TM|tm|r)\)/g, '')
  if (model.includes('CPU')) cleaned = cleaned.replace(/\s+CPU\b/, '')
  if (lower.includes('ghz')) cleaned = cleaned.replace(/\s*@\s*[\d.]+\s*GHz$/i, '')
  if (lower.includes('-core processor')) cleaned = cleaned.replace(/\s+\d+-Core Processor$/i, '')
  // Split on the blanks, as the other parsers do: one compiled pattern for all of them.
  return withoutVendor(cleaned, manufacturer).split(/\s+/).join(' ').trim()
}

/** `text` without a leading `vendor` and the blanks after it (any case). The vendor is text from the file, never a pattern. */
function withoutVendor(text: string, vendor: string): string {
  const rest = text.slice(vendor.length)
  const blankAfter = rest.length > 0 && rest.trimStart() !== rest
  return vendor && text.slice(0, vendor.length).toLowerCase() === vendor.toLowerCase() && blankAfter ? rest.trimStart() : text
}

/**
 * The processor blocks of /proc/cpuinfo (blank-line separated, those with a "processor" line),
 * each as its "key : value" lines, the first value of each key. One pass over the lines: a
 * regular expression per field and block made this the costliest check of a cold report.
 */
function processorBlocks(text: string): Array<Map<string, string>> {
  const blocks: Array<Map<string, string>> = []
  let block = new Map<string, string>()
  for (const line of `${text}\n`.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) {
      if (line.trim() === '') {
        if (block.has('processor')) blocks.push(block)
        block = new Map()
      }
      continue
    }
    // "key<blanks>:" at the very start of the line, as in "cpu MHz\t\t: 2600.000".
    const key = line.slice(0, colon).trimEnd()
    if (key && key.trimStart() === key && !block.has(key)) block.set(key, line.slice(colon + 1).trim())
  }
  return blocks
}

/** CPU facts from /proc/cpuinfo: logical CPUs, distinct (package, core) pairs, vendor, model, clock. */
export function parseCpuinfo(text: string, maxFreqKHz?: number): HardwareSummary['cpu'] {
  const blocks = processorBlocks(text)
  const first = blocks[0] ?? new Map<string, string>()
  const vendorId = first.get('vendor_id') ?? first.get('CPU implementer') ?? ''
  const manufacturer = VENDORS[vendorId] ?? vendorId
  const model = first.get('model name') ?? first.get('Processor') ?? first.get('cpu model') ?? ''
  const cores = new Set<string>()
  for (const b of blocks) {
    const pkg = b.get('physical id')
    const core = b.get('core id')
    if (pkg !== undefined && core !== undefined) cores.add(`${pkg}:${core}`)
  }
  const mhz = Number(first.get('cpu MHz') ?? NaN)
  const atModel = model.includes('@') ? /@\s*([\d.]+)\s*GHz/i.exec(model)?.[1] : undefined
  const speedGHz = maxFreqKHz ? maxFreqKHz / 1e6 : atModel ? Number(atModel) : Number.isFinite(mhz) ? mhz / 1000 : 0
  return {
    manufacturer,
    brand: brandOf(model, manufacturer),
    cores: blocks.length,
    physicalCores: cores.size || blocks.length,
    speedGHz: Math.round(speedGHz * 100) / 100
  }
}

/** Total and available memory from /proc/meminfo's values (KiB). */
function memoryOf(kib: Record<string, number>): HardwareSummary['memory'] {
  return { totalBytes: (kib.MemTotal ?? 0) * 1024, availableBytes: (kib.MemAvailable ?? 0) * 1024 }
}

export function parseMeminfo(text: string): HardwareSummary['memory'] {
  return memoryOf(parseProcMeminfo(text))
}

/** Firmware placeholders, which say nothing about the machine. */
const DMI_PLACEHOLDERS = new Set(['to be filled by o.e.m.', 'default string', 'not applicable', 'none', ''])

const dmi = async (text: ReadText, name: string): Promise<string> => {
  const v = (await text(`/sys/devices/virtual/dmi/id/${name}`))?.trim() ?? ''
  return DMI_PLACEHOLDERS.has(v.toLowerCase()) ? '' : v
}

/**
 * Reads CPU, memory and board facts straight from /proc and /sys: no helper processes and
 * no probing library on the start-up path of `hsc inspect`.
 */
export const procfsHardwareProbe: HardwareProbe = async (sources) => {
  const text: ReadText = (p) => sources.text(p)
  const [cpuinfo, meminfo, maxFreq, boardVendor, boardName] = await Promise.all([
    text('/proc/cpuinfo'),
    sources.meminfo(),
    text('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'),
    dmi(text, 'board_vendor'),
    dmi(text, 'board_name')
  ])
  if (cpuinfo === undefined || meminfo === undefined) throw new Error('/proc/cpuinfo or /proc/meminfo is not readable')
  const freq = Number(maxFreq?.trim())
  return {
    cpu: parseCpuinfo(cpuinfo, Number.isFinite(freq) && freq > 0 ? freq : undefined),
    memory: memoryOf(meminfo),
    board: { manufacturer: boardVendor, model: boardName }
  }
}
