import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseCpuinfo, parseMeminfo } from '../../src/main/services/inspect/hardware'

// The hardware summary reads /proc/cpuinfo and /proc/meminfo itself (inspect/hardware.ts).
// cpuinfo blocks are written as the kernel writes them (x86: "key\t: value", a blank line after
// each processor; arm64: a header-less list with "CPU implementer").
function x86Block(processor: number, pkg: number, core: number): string {
  return [
    `processor\t: ${processor}`,
    'vendor_id\t: GenuineIntel',
    'cpu family\t: 6',
    'model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
    'cpu MHz\t\t: 1199.960',
    `physical id\t: ${pkg}`,
    `core id\t\t: ${core}`,
    'power management:'
  ].join('\n')
}

describe('parseCpuinfo', () => {
  it('counts logical CPUs and distinct (package, core) pairs: two sockets, two cores, two threads', () => {
    const blocks: string[] = []
    let n = 0
    // Hyper-threading: each (package, core) pair appears twice.
    for (let thread = 0; thread < 2; thread++) for (const pkg of [0, 1]) for (const core of [0, 1]) blocks.push(x86Block(n++, pkg, core))
    const cpu = parseCpuinfo(`${blocks.join('\n\n')}\n\n`)
    expect(cpu).toEqual({ manufacturer: 'Intel', brand: 'Xeon E5-2680 v4', cores: 8, physicalCores: 4, speedGHz: 2.4 })
    // The firmware's maximum clock wins over the model name's.
    expect(parseCpuinfo(blocks.join('\n\n'), 3_300_000).speedGHz).toBe(3.3)
  })

  it('blank lines with blanks in them still end a block; a key with no value does not take the next line', () => {
    const text = `${x86Block(0, 0, 0)}\n \t\n${x86Block(1, 0, 1).replace('model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz', 'model name\t:')}\n`
    const cpu = parseCpuinfo(text)
    expect(cpu.cores).toBe(2)
    expect(cpu.physicalCores).toBe(2)
    // The first block's model is the one named.
    expect(cpu.brand).toBe('Xeon E5-2680 v4')
    const empty = parseCpuinfo('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t:\ncpu MHz\t\t: 2595.124\n')
    expect(empty).toEqual({ manufacturer: 'AMD', brand: '', cores: 1, physicalCores: 1, speedGHz: 2.6 })
  })

  it('arm64: no package or core ids (each CPU counts), the implementer as vendor, no clock in the model', () => {
    const arm = [0, 1, 2, 3].map((i) => `processor\t: ${i}\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n`).join('\n')
    expect(parseCpuinfo(arm)).toEqual({ manufacturer: '0x41', brand: '', cores: 4, physicalCores: 4, speedGHz: 0 })
  })

  it('a vendor is text, never a pattern: a hostile vendor_id cannot break the summary', () => {
    const text = 'processor\t: 0\nvendor_id\t: (((\nmodel name\t: ((( Fancy CPU @ 1.00GHz\n'
    expect(parseCpuinfo(text)).toEqual({ manufacturer: '(((', brand: 'Fancy', cores: 1, physicalCores: 1, speedGHz: 1 })
    expect(parseCpuinfo('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n').brand).toBe('EPYC 7B13')
    expect(parseCpuinfo('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMDx EPYC\n').brand).toBe('AMDx EPYC')
    expect(parseCpuinfo('nothing here').cores).toBe(0)
    const model = (name: string) => parseCpuinfo(`processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: ${name}\n`)
    expect(model('Intel(R) Core(TM) i7-8650U CPU @ 1.90ghz')).toMatchObject({ brand: 'Core i7-8650U', speedGHz: 1.9 })
    expect(model('Intel  Xeon   Gold\t6230')).toMatchObject({ brand: 'Xeon Gold 6230' })
    expect(model('Intel')).toMatchObject({ brand: 'Intel' })
  })

  it('the live /proc/cpuinfo: one CPU per "processor" line', () => {
    const text = readFileSync('/proc/cpuinfo', 'utf8')
    const cpu = parseCpuinfo(text)
    expect(cpu.cores).toBe(text.split('\n').filter((l) => /^processor\s*:/.test(l)).length)
    expect(cpu.physicalCores).toBeGreaterThan(0)
    expect(cpu.physicalCores).toBeLessThanOrEqual(cpu.cores)
  })
})

describe('parseMeminfo (hardware summary)', () => {
  it('reads MemTotal and MemAvailable at the start of their lines, in bytes', () => {
    const text = 'MemTotal:       24684084 kB\nMemFree:        23000000 kB\nMemAvailable:   24190000 kB\n'
    expect(parseMeminfo(text)).toEqual({ totalBytes: 24684084 * 1024, availableBytes: 24190000 * 1024 })
    expect(parseMeminfo('XMemTotal: 5 kB\nMemAvailable:\n')).toEqual({ totalBytes: 0, availableBytes: 0 })
    expect(parseMeminfo(readFileSync('/proc/meminfo', 'utf8')).totalBytes).toBeGreaterThan(0)
  })
})
