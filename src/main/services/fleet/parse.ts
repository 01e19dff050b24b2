import { z } from 'zod'
import { FACT_KIND, type ReportedCheck } from '../../../shared/contract/fleet'
import type { InspectReport } from '../../../shared/contract/inspect'

/** The parts of a host's report the fleet view uses. */
export interface ReadReport {
  generatedAt: string
  summary: InspectReport['summary']
  checks: ReportedCheck[]
}

/** The parts of a host's fact the fleet view uses beyond its report. */
export interface ReadFact {
  hsc: string
  generatedAt: string
  hostname: string | null
  repos: { enabled: string[]; packages: number; error?: string }
}

/** What one input document turned out to be. Every byte of it is hostile (another host wrote it). */
export type Interpreted = { kind: 'fact'; fact: ReadFact; report: ReadReport } | { kind: 'inspect'; report: ReadReport } | { kind: 'error'; error: string }

export const SUPPORTED_SCHEMA = 1

// Control characters (except line feed) and bidi overrides would let a host rewrite the
// operator's terminal or reorder text in the report; they become U+FFFD.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const clean = (max: number) =>
  z
    .string()
    .max(max)
    .transform((s) => s.replace(UNSAFE, '\ufffd'))

const remedy = z.object({ text: clean(4000), command: clean(4000).optional() })
const check = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'check ids contain only letters, digits and . _ : -'),
  group: clean(64),
  title: clean(500),
  status: z.enum(['ok', 'warn', 'fail', 'unknown']),
  value: clean(20_000).catch(''),
  evidence: z.array(z.unknown()).catch([]),
  remedy: remedy.optional().catch(undefined),
  details: z.record(z.string(), z.unknown()).optional().catch(undefined),
  notApplicable: z.boolean().optional().catch(undefined)
})
const report = z.object({
  schema: z.literal(SUPPORTED_SCHEMA),
  generatedAt: clean(64).catch(''),
  root: clean(4096).catch(''),
  durationMs: z.number().catch(0),
  checks: z.array(check).max(2000)
})
const pkg = z.object({
  name: clean(256),
  epoch: clean(32).catch(''),
  version: clean(256),
  release: clean(256),
  arch: clean(64),
  marker: clean(64),
  variant: z.enum(['main', 'experimental', 'kernel', 'spin', 'hotfixes', 'facebook', 'intel', 'asahi', 'other']).catch('other'),
  fromRepo: clean(256).optional().catch(undefined)
})
const fact = z.object({
  schema: z.literal(SUPPORTED_SCHEMA),
  kind: z.literal(FACT_KIND),
  hsc: clean(64).catch('unknown'),
  generatedAt: clean(64).catch(''),
  hostname: clean(253).nullable().catch(null),
  inspect: report,
  repos: z
    .object({
      enabled: z.array(clean(128)).max(1000),
      configured: z
        .array(
          z.object({
            id: clean(128),
            variant: pkg.shape.variant,
            testing: z.boolean(),
            kind: z.enum(['binary', 'debuginfo', 'source']),
            enabled: z.boolean()
          })
        )
        .max(1000)
        .catch([]),
      packages: z.array(pkg).max(100_000).catch([]),
      error: clean(2000).optional()
    })
    .catch({ enabled: [], configured: [], packages: [], error: 'no readable repository state in the fact' }),
  oomd: z
    .object({
      source: z.enum(['dbus', 'systemctl', 'unit-files', 'offline-root', 'unavailable']),
      enabled: z.boolean().nullable(),
      active: z.boolean().nullable()
    })
    .catch({ source: 'unavailable', enabled: null, active: null })
})

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function summarize(r: z.output<typeof report>): ReadReport {
  const summary = { ok: 0, warn: 0, fail: 0, unknown: 0 }
  for (const c of r.checks) summary[c.status]++
  // The summary is recomputed, never trusted: it must agree with the checks it sums up.
  return { generatedAt: r.generatedAt, checks: r.checks.map(({ evidence: _e, ...c }) => c), summary }
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0]
  return `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`
}

function schemaProblem(doc: Record<string, unknown>): string | undefined {
  const s = doc.schema
  if (typeof s === 'number' && s !== SUPPORTED_SCHEMA)
    return `schema ${s} is not the one this hsc reads (${SUPPORTED_SCHEMA}); use the same hsc version on both sides`
  return undefined
}

/**
 * Accepts, in this order: an Ansible jsonfile cache entry (`ansible_local.hyperscale`), the
 * output of `ansible -m setup` / `--tree` (`ansible_facts.ansible_local.hyperscale`), the
 * fact itself (`hsc facts show`), or a bare `hsc inspect --json` report.
 */
export function interpret(doc: unknown, nested = false): Interpreted {
  if (!isObj(doc)) return { kind: 'error', error: 'not a JSON object' }
  const facts = isObj(doc.ansible_facts) ? doc.ansible_facts : doc
  if (!nested && (isObj(facts.ansible_local) || 'ansible_local' in facts)) {
    const local = facts.ansible_local
    const hs = isObj(local) ? local.hyperscale : undefined
    if (hs === undefined) return { kind: 'error', error: 'no hyperscale local fact (run `hsc facts install` on this host, then gather facts again)' }
    if (!isObj(hs)) return { kind: 'error', error: `the hyperscale fact did not run cleanly: ${String(hs).replace(UNSAFE, '\ufffd').slice(0, 300)}` }
    return interpret(hs, true)
  }
  if (doc.kind === FACT_KIND) {
    const bad = schemaProblem(doc)
    if (bad) return { kind: 'error', error: bad }
    const r = fact.safeParse(doc)
    if (!r.success) return { kind: 'error', error: `malformed hyperscale fact (${firstIssue(r.error)})` }
    const d = r.data
    const repos: ReadFact['repos'] = { enabled: d.repos.enabled, packages: d.repos.packages.length }
    if (d.repos.error) repos.error = d.repos.error
    return { kind: 'fact', fact: { hsc: d.hsc, generatedAt: d.generatedAt, hostname: d.hostname, repos }, report: summarize(d.inspect) }
  }
  if (Array.isArray(doc.checks)) {
    const bad = schemaProblem(doc)
    if (bad) return { kind: 'error', error: bad }
    const r = report.safeParse(doc)
    if (!r.success) return { kind: 'error', error: `malformed inspect report (${firstIssue(r.error)})` }
    return { kind: 'inspect', report: summarize(r.data) }
  }
  return { kind: 'error', error: 'neither an Ansible fact cache entry, a hyperscale fact nor an hsc inspect --json report' }
}
