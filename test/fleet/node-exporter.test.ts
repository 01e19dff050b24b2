import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { factToPrometheus } from '../../src/main/services/fleet/prometheus'
import { runCommand } from '../../src/main/services/system/command'
import type { CheckGroup, HostFact } from '../../src/shared/contract'
import { runHsc } from '../support/hsc'
import { PRESSURE, hyperscaleRoot } from './roots'
import { freePort, have, tmpDir } from './support'

const EXPORTER = '/usr/bin/prometheus-node-exporter'
const haveExporter = await have([EXPORTER, '--version'])
const haveAnalyze = await have(['systemd-analyze', '--version'])

/** Splits an ExecStart= value the way systemd does for our unquoted, allowlisted paths. */
const execStart = (unit: string): string[] =>
  unit
    .split('\n')
    .find((l) => l.startsWith('ExecStart='))!
    .slice('ExecStart='.length)
    .split(' ')

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  expect(res.status).toBe(200)
  return res.text()
}

/** One sample's value, or undefined when the exporter does not serve it. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe.skipIf(!haveExporter)('Prometheus textfile through the real prometheus-node-exporter', () => {
  const tmp = tmpDir('hsc-fleet-prom-')
  const host = hyperscaleRoot('hs-prom.example')
  const promDir = path.join(tmp.dir, 'textfile')
  const unitDir = path.join(tmp.dir, 'units')
  const factsDir = path.join(tmp.dir, 'facts')
  let exporter: ChildProcess | undefined
  let port = 0

  beforeAll(async () => {
    const res = await runHsc(['facts', 'install', '--dir', factsDir, '--prometheus', promDir, '--unit-dir', unitDir, '--fact-root', host.root])
    if (res.status !== 0) throw new Error(`facts install: ${res.stderr}`)
    port = await freePort()
    exporter = spawn(
      EXPORTER,
      [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${promDir}`],
      { stdio: 'ignore' }
    )
    // Ready when /metrics answers (no sleeps: poll until it does, bounded by the hook timeout).
    for (;;) {
      if (exporter.exitCode !== null) throw new Error(`node-exporter exited with ${exporter.exitCode}`)
      if (
        await fetch(`http://127.0.0.1:${port}/metrics`).then(
          (r) => r.ok,
          () => false
        )
      )
        break
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 120_000)

  afterAll(() => {
    exporter?.kill()
    host.cleanup()
    tmp.cleanup()
  })

  it('install wrote the fact, a service and a timer, and filled hyperscale.prom right away', () => {
    expect(readdirSync(unitDir).sort()).toEqual(['hyperscale-companion-textfile.service', 'hyperscale-companion-textfile.timer'])
    expect(readdirSync(promDir)).toEqual(['hyperscale.prom'])
    const fact = readFileSync(path.join(factsDir, 'hyperscale.fact'), 'utf8')
    for (const f of [...readdirSync(unitDir).map((u) => path.join(unitDir, u)), path.join(promDir, 'hyperscale.prom')])
      expect(fact).toContain(`# hsc-installed: ${f}`)
    const timer = readFileSync(path.join(unitDir, 'hyperscale-companion-textfile.timer'), 'utf8')
    expect(timer).toMatch(/^OnUnitActiveSec=5min$/m)
    expect(timer).toMatch(/^WantedBy=timers.target$/m)
  })

  it('node-exporter serves the values without a textfile parse error', async () => {
    const m = await scrape(port)
    expect(sample(m, 'node_textfile_scrape_error')).toBe(0)
    expect(sample(m, 'hyperscale_companion_schema_info{schema="1",version="0.1.0"}')).toBe(1)
    expect(sample(m, 'hyperscale_kernel_hyperscale_build')).toBe(1)
    expect(sample(m, 'hyperscale_repos_enabled')).toBe(2)
    expect(sample(m, 'hyperscale_repo_enabled{kind="binary",repo="centos-hyperscale-kernel",testing="false",variant="kernel"}')).toBe(1)
    expect(sample(m, 'hyperscale_check_status{check="kernel.release",group="kernel",status="ok"}')).toBe(1)
    expect(sample(m, 'hyperscale_check_status{check="kernel.release",group="kernel",status="warn"}')).toBe(0)
    // The fixture's /proc/pressure/memory says "some avg10=3.10" and "full avg60=0.75".
    expect(PRESSURE.memory).toContain('some avg10=3.10')
    expect(sample(m, 'hyperscale_psi_average_percent{kind="some",resource="memory",window="10s"}')).toBe(3.1)
    expect(sample(m, 'hyperscale_psi_average_percent{kind="full",resource="memory",window="60s"}')).toBe(0.75)
    // An offline root has no running manager: oomd's activity is unknown, so the series is absent.
    expect(sample(m, 'hyperscale_oomd_active')).toBeUndefined()
    expect(sample(m, 'hyperscale_oomd_enabled')).toBe(0)
  })

  it("the service's ExecStart refreshes the file atomically and the exporter serves the new run", async () => {
    const service = readFileSync(path.join(unitDir, 'hyperscale-companion-textfile.service'), 'utf8')
    const argv = execStart(service)
    expect(argv[0]).toBe(process.execPath)
    const before = sample(await scrape(port), 'hyperscale_companion_last_run_timestamp_seconds')!
    // Drop the kernel into a stock one: the refreshed file must say so.
    writeFileSync(path.join(host.root, 'proc/sys/kernel/osrelease'), '5.14.0-580.el9.x86_64\n')
    const res = await runCommand(argv, { timeoutMs: 60_000 })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toBe('')
    expect(readdirSync(promDir)).toEqual(['hyperscale.prom'])
    const m = await scrape(port)
    expect(sample(m, 'hyperscale_companion_last_run_timestamp_seconds')).toBeGreaterThan(before)
    expect(sample(m, 'hyperscale_kernel_hyperscale_build')).toBe(0)
    expect(sample(m, 'node_textfile_scrape_error')).toBe(0)
  }, 60_000)

  it('the exporter reports a parse error for a malformed textfile (so the check above can fail)', async () => {
    const bad = path.join(promDir, 'broken.prom')
    writeFileSync(bad, 'hyperscale_bad{check="x} 1\n')
    try {
      expect(sample(await scrape(port), 'node_textfile_scrape_error')).toBe(1)
    } finally {
      await runCommand(['rm', '-f', bad])
    }
  })

  it('hostile check ids and groups stay valid samples for the real parser', async () => {
    const fact = JSON.parse((await runHsc(['facts', 'show', '--root', host.root])).stdout) as HostFact
    const odd = { ...fact, inspect: { ...fact.inspect, checks: [{ ...fact.inspect.checks[0], id: 'x"} 1\nevil_metric 2', group: 'g\\' as CheckGroup }] } }
    const file = path.join(promDir, 'hostile.prom')
    writeFileSync(file, factToPrometheus(odd).replaceAll('hyperscale_', 'hostile_'))
    try {
      const m = await scrape(port)
      expect(sample(m, 'node_textfile_scrape_error')).toBe(0)
      expect(sample(m, 'evil_metric')).toBeUndefined()
      expect(m).toContain('hostile_check_status{check="x\\"} 1\\nevil_metric 2",group="g\\\\",status="ok"}')
    } finally {
      await runCommand(['rm', '-f', file])
    }
  })

  it.skipIf(!haveAnalyze)(
    'systemd-analyze verify accepts both units',
    async () => {
      const units = readdirSync(unitDir).map((u) => path.join(unitDir, u))
      const res = await runCommand(['systemd-analyze', 'verify', '--man=no', ...units], { timeoutMs: 60_000 })
      expect(res.stderr.split('\n').filter((l) => l.includes('hyperscale-companion-textfile'))).toEqual([])
      expect(res.code, res.stderr).toBe(0)
    },
    60_000
  )

  it('uninstall removes the fact, both units and the textfile', async () => {
    const res = await runHsc(['facts', 'uninstall', '--dir', factsDir])
    expect(res.status, res.stderr).toBe(0)
    expect(readdirSync(unitDir)).toEqual([])
    expect(readdirSync(promDir)).toEqual([])
    expect(readdirSync(factsDir)).toEqual([])
  })
})
