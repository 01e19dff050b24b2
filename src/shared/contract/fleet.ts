import { z } from 'zod'
import { method } from './define'
import type { Check, CheckStatus, InspectReport, Remedy } from './inspect'
import type { HyperscalePackage, HyperscaleVariant } from './repos'

/** Marks a document as the Hyperscale fact (what `hsc facts show` and the Ansible fact print). */
export const FACT_KIND = 'hyperscale-companion.fact'

/** One configured Hyperscale repository (binary, debuginfo or source) and whether it is enabled. */
export interface FactRepo {
  id: string
  variant: HyperscaleVariant
  testing: boolean
  kind: 'binary' | 'debuginfo' | 'source'
  enabled: boolean
}

/** systemd-oomd as far as it could be read; `active` is null when no manager answered (offline root, no systemd). */
export interface FactOomd {
  source: 'dbus' | 'systemctl' | 'unit-files' | 'offline-root' | 'unavailable'
  enabled: boolean | null
  active: boolean | null
}

/**
 * The Ansible local fact `hyperscale` and the source of the Prometheus textfile. `schema` is the
 * same version as `hsc inspect --json` (InspectReport.schema): both change together.
 */
export interface HostFact {
  schema: InspectReport['schema']
  kind: typeof FACT_KIND
  /** hsc version that produced it. */
  hsc: string
  generatedAt: string
  /** The host's name as it calls itself (/etc/hostname under the root, else the kernel's). */
  hostname: string | null
  inspect: InspectReport
  repos: {
    /** Enabled binary Hyperscale repository ids (what dnf installs from). */
    enabled: string[]
    configured: FactRepo[]
    /** Installed Hyperscale builds (release marker .hs. .hsx. .hsk. ...). */
    packages: HyperscalePackage[]
    /** Set when the repository state could not be read; the rest of the fact still holds. */
    error?: string
  }
  oomd: FactOomd
}

/** A check as read back from another host's report: its group may be one this version does not know. */
export type ReportedCheck = Omit<Check, 'group' | 'evidence'> & { group: string }

/** Where one host's data came from in a fleet report, and whether it could be read. */
export interface FleetHost {
  name: string
  source: string
  /** "fact": a Hyperscale fact; "inspect": a bare inspect report; "error": nothing usable (see error). */
  kind: 'fact' | 'inspect' | 'error'
  error?: string
  generatedAt?: string
  summary?: InspectReport['summary']
  hyperscaleKernel?: boolean | null
  reposEnabled?: number | null
  packagesInstalled?: number | null
}

/** A check whose status is not the same on every host (a column of the table). */
export interface FleetColumn {
  id: string
  group: string
  title: string
}

/** Hosts with the same status for every differing check (a row of the table). */
export interface FleetProfile {
  hosts: string[]
  /** Check id -> status; absent when the host's report lacks that check. */
  statuses: Record<string, CheckStatus>
}

/** A check with the same status on every host that has it. */
export interface FleetUniform {
  id: string
  group: string
  title: string
  status: CheckStatus
  hosts: number
}

/** Hosts that share a non-ok status of one check and the same remedy. */
export interface FleetRemedyGroup {
  check: string
  group: string
  title: string
  status: CheckStatus
  /** The most common value among these hosts, e.g. "off at boot". */
  value: string
  hosts: string[]
  remedy?: Remedy
}

export interface FleetReport {
  schema: InspectReport['schema']
  generatedAt: string
  hosts: FleetHost[]
  columns: FleetColumn[]
  profiles: FleetProfile[]
  uniform: FleetUniform[]
  remedies: FleetRemedyGroup[]
}

export const fleetMethods = {
  /** The Hyperscale fact of this machine (or of `root`): inspect report + repos + oomd. */
  'fleet.fact': method<HostFact>()(z.object({ root: z.string().min(1).max(4096).optional() }).strict())
}
