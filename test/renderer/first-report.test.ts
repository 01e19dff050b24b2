// The Overview's first report rides on browser mode's session exchange. The page reads that
// body like any input it did not make: a real report (from the real inspector on this
// machine, through JSON) is taken; any other shape, size or type is refused, and the page
// then asks over the WebSocket (test/e2e/overview-first-report.test.ts shows the page side).
import { beforeAll, describe, expect, it } from 'vitest'
import { runInspection } from '../../src/main/services/inspect/report'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { firstReportFrom, readFirstReport, readInspectReport } from '../../src/renderer/src/api/first-report'
import type { InspectReport } from '../../src/shared/contract'

let report: InspectReport
const copy = (): Record<string, unknown> & { checks: Array<Record<string, unknown>> } => JSON.parse(JSON.stringify(report))
const wrap = (value: unknown, ok = true): unknown => ({ first: { method: 'inspect.report', result: ok ? { ok, value } : { ok, error: value } } })

beforeAll(async () => {
  report = await runInspection({ fs: createRootFs('/'), run: runCommand })
}, 60_000)

describe('the first report from the session exchange', () => {
  it('takes a real report as JSON carries it', () => {
    expect(report.checks.length).toBeGreaterThan(10)
    const back = readFirstReport(JSON.parse(JSON.stringify(wrap(report))))
    expect(back?.checks.map((c) => c.id)).toEqual(report.checks.map((c) => c.id))
  })

  it('refuses a report of any other shape', () => {
    const mangled: Array<[string, (r: ReturnType<typeof copy>) => unknown]> = [
      ['another schema version', (r) => ({ ...r, schema: 2 })],
      ['checks not a list', (r) => ({ ...r, checks: { 0: r.checks[0] } })],
      ['too many checks', (r) => ({ ...r, checks: Array.from({ length: 2001 }, () => r.checks[0]) })],
      ['a status the page has no word for', (r) => ((r.checks[0].status = 'pwned'), r)],
      ['a group the page does not know', (r) => ((r.checks[0].group = '__proto__'), r)],
      ['markup as a check id', (r) => ((r.checks[0].id = '<img src=x onerror=alert(1)>'), r)],
      ['a title as an object', (r) => ((r.checks[0].title = { toString: 'x' }), r)],
      ['a value of 1 MB', (r) => ((r.checks[0].value = 'x'.repeat(1_000_000)), r)],
      ['evidence not a list', (r) => ((r.checks[0].evidence = 'cat /etc/shadow'), r)],
      ['evidence without its source', (r) => ((r.checks[0].evidence = [{ excerpt: 'x' }]), r)],
      ['a remedy without text', (r) => ((r.checks[0].remedy = { command: 'rm -rf /' }), r)],
      ['details as a list', (r) => ((r.checks[0].details = ['x']), r)],
      ['a summary count that is not a count', (r) => ({ ...r, summary: { ok: -1, warn: 0, fail: 0, unknown: 0 } })],
      ['a duration that is not a number', (r) => ({ ...r, durationMs: '12' })],
      ['a check that is null', (r) => ((r.checks[1] = null as unknown as Record<string, unknown>), r)]
    ]
    for (const [what, mangle] of mangled) {
      expect(readInspectReport(mangle(copy())), what).toBeUndefined()
      expect(readFirstReport(wrap(mangle(copy()))), what).toBeUndefined()
    }
    expect(readInspectReport(copy())).toBeDefined()
  })

  it('refuses an envelope that is not the answer to inspect.report, and an error answer', () => {
    for (const body of [null, 'x', [], {}, { first: null }, { first: { method: 'repos.list', result: { ok: true, value: report } } }, wrap(report, false)]) {
      expect(readFirstReport(body), JSON.stringify(body)?.slice(0, 60)).toBeUndefined()
    }
  })

  it('reads a response body once and never throws: not JSON, wrong type or status give nothing', async () => {
    const json = { 'Content-Type': 'application/json; charset=utf-8' }
    expect((await firstReportFrom(new Response(JSON.stringify(wrap(report)), { status: 200, headers: json })))?.checks.length).toBe(report.checks.length)
    expect(await firstReportFrom(new Response('<html>', { status: 200, headers: json }))).toBeUndefined()
    expect(await firstReportFrom(new Response('{"first":', { status: 200, headers: json }))).toBeUndefined()
    expect(await firstReportFrom(new Response(JSON.stringify(wrap(report)), { status: 200, headers: { 'Content-Type': 'text/html' } }))).toBeUndefined()
    expect(await firstReportFrom(new Response(null, { status: 204 }))).toBeUndefined()
    expect(await firstReportFrom(undefined)).toBeUndefined()
  })
})
