import type { Check, InspectReport } from '../../../shared/contract'
import { checkGroupOrder } from '../../../shared/contract/check-groups'

/**
 * The Overview's first report as it rides on the session exchange (src/shared/browser-boot.ts).
 * It is read like any other input the page did not make itself: a body of any other shape,
 * size or type gives undefined and the Overview asks over the WebSocket instead. Checked by
 * hand because zod stays out of the first chunk; test/renderer/first-report.test.ts holds the
 * two to the same verdicts on real and mangled reports.
 */
const MAX_CHECKS = 2000
const MAX_TEXT = 20_000
const STATUSES = new Set<unknown>(['ok', 'warn', 'fail', 'unknown'])
const GROUPS = new Set<unknown>(checkGroupOrder)

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isText = (v: unknown, max = MAX_TEXT): v is string => typeof v === 'string' && v.length <= max
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function isCheck(c: unknown): c is Check {
  if (!isObj(c)) return false
  if (!isText(c.id, 200) || !/^[A-Za-z0-9._:-]+$/.test(c.id)) return false
  if (!GROUPS.has(c.group) || !isText(c.title, 500) || !STATUSES.has(c.status) || !isText(c.value)) return false
  if (!Array.isArray(c.evidence) || c.evidence.length > 200 || !c.evidence.every((e) => isObj(e) && isText(e.source, 4096) && isText(e.excerpt))) return false
  if (c.remedy !== undefined && !(isObj(c.remedy) && isText(c.remedy.text, 4000) && (c.remedy.command === undefined || isText(c.remedy.command, 4000))))
    return false
  if (c.details !== undefined && !isObj(c.details)) return false
  return c.notApplicable === undefined || typeof c.notApplicable === 'boolean'
}

export function readInspectReport(v: unknown): InspectReport | undefined {
  if (!isObj(v) || v.schema !== 1 || !isText(v.generatedAt, 64) || !isText(v.root, 4096)) return undefined
  if (typeof v.durationMs !== 'number' || !Number.isFinite(v.durationMs)) return undefined
  const s = v.summary
  if (!isObj(s) || !isCount(s.ok) || !isCount(s.warn) || !isCount(s.fail) || !isCount(s.unknown)) return undefined
  if (!Array.isArray(v.checks) || v.checks.length > MAX_CHECKS || !v.checks.every(isCheck)) return undefined
  return v as unknown as InspectReport
}

/** The report inside the exchange's JSON body `{first: {method, result: {ok, value}}}`, or undefined. */
export function readFirstReport(body: unknown): InspectReport | undefined {
  if (!isObj(body) || !isObj(body.first) || body.first.method !== 'inspect.report') return undefined
  const result = body.first.result
  return isObj(result) && result.ok === true ? readInspectReport(result.value) : undefined
}

/** Reads the exchange's answer once; never rejects (a broken body is the same as none). */
export async function firstReportFrom(res: Response | undefined): Promise<InspectReport | undefined> {
  if (!res || res.status !== 200 || !/^application\/json\b/.test(res.headers.get('Content-Type') ?? '')) return undefined
  try {
    return readFirstReport(await res.json())
  } catch {
    return undefined
  }
}
