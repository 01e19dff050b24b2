import type { Check, Evidence } from '../../../../shared/contract'
import { parseBool, parseIni } from '../../repos/ini'
import { excerpt, type Facts } from '../facts'
import { reflinkTest } from '../reflink'
import { mountFor } from '../parsers/mountinfo'
import { statfsType } from '../../system/statfs'
import { findTool, runTool } from '../../system/facts/tools'
import { dnf4VersionFromFiles } from '../../system/facts/dnf-version'
import { DNF_CACHE } from './rpm-cow'
import { RPMDB_PATHS, rpmdbDir, rpmInventory } from './rpm-inventory'

/**
 * Everything RPM copy-on-write needs besides a reflink-capable dnf cache (mkosi
 * installer/dnf.py and its hyperscale-experimental config; Fedora Changes/RPMCoW): the two
 * packages from the experimental repo, the dnf plugin switched on in reflink.conf (off by
 * default), dnf4 (the plugin is a dnf4 plugin), the root on a filesystem that can reflink,
 * and the rpmdb location Hyperscale's rpm uses. One line each, with what was read.
 */

export const COW_PACKAGES = ['rpm-plugin-reflink', 'python3-dnf-plugin-cow'] as const
export const REFLINK_CONF = '/etc/dnf/plugins/reflink.conf'
const base = (id: string, title: string) => ({ id, group: 'storage', title }) as const

async function packagesCheck(facts: Facts): Promise<Check> {
  const b = base('rpm.cow.packages', 'RPM CoW packages (rpm-plugin-reflink, python3-dnf-plugin-cow)')
  const db = await rpmdbDir(facts)
  const rpmPath = await findTool(facts, 'rpm')
  if (!db && !facts.live)
    return {
      ...b,
      status: 'unknown',
      value: 'no rpm database under this root',
      evidence: [{ source: RPMDB_PATHS.join(', '), excerpt: 'no rpmdb.sqlite or Packages file' }]
    }
  if (facts.live && !rpmPath)
    return { ...b, status: 'unknown', value: 'rpm is not installed', evidence: [{ source: 'rpm', excerpt: 'not found in /usr/bin or /bin' }] }
  const inv = await rpmInventory(facts)
  const have = new Map<string, string>()
  for (const name of COW_PACKAGES) {
    const vr = inv.packages.get(name)
    if (vr) have.set(name, vr.join(', '))
  }
  if (inv.result.code !== 0 && inv.packages.size === 0) {
    const why = inv.result.spawnError ?? (inv.result.stderr.trim().split('\n').pop() || `exit ${inv.result.code}`)
    return { ...b, status: 'unknown', value: 'rpm could not read its database', evidence: [{ source: inv.argv.join(' '), excerpt: excerpt(why, 4) }] }
  }
  const missing = COW_PACKAGES.filter((p) => !have.has(p))
  const found = [...have].map(([n, v]) => `${n} ${v}`)
  const evidence: Evidence[] = [
    { source: inv.argv.join(' '), excerpt: found.length ? found.join('\n') : `neither is among the ${inv.packages.size} installed packages` }
  ]
  const details = { installed: Object.fromEntries(have), missing }
  if (missing.length === 0) return { ...b, status: 'ok', value: found.join(', '), evidence, details }
  return {
    ...b,
    status: 'warn',
    value: `not installed: ${missing.join(', ')}`,
    evidence,
    details,
    remedy: {
      text: 'Both come from the Hyperscale experimental repository. "Enable RPM copy-on-write" on the Repositories page enables it, installs them and switches the plugin on.',
      command: `dnf install ${missing.join(' ')}`
    }
  }
}

async function pluginCheck(facts: Facts): Promise<Check> {
  const b = base('rpm.cow.plugin', `dnf reflink plugin switched on (${REFLINK_CONF})`)
  const text = await facts.text(REFLINK_CONF)
  if (text === undefined) {
    return {
      ...b,
      status: 'warn',
      value: `${REFLINK_CONF} is missing`,
      evidence: [{ source: REFLINK_CONF, excerpt: 'missing' }],
      details: { enabled: null },
      remedy: { text: 'It comes with the CoW packages, switched off; "Enable RPM copy-on-write" installs it and sets enabled=1.' }
    }
  }
  const ini = parseIni(text)
  const raw = ini.error ? undefined : ini.sections.find((s) => s.name === 'main')?.values.get('enabled')?.value
  const enabled = raw === undefined ? undefined : parseBool(raw)
  const evidence = [{ source: REFLINK_CONF, excerpt: excerpt(text, 6) }]
  if (enabled === true) return { ...b, status: 'ok', value: 'enabled=1', evidence, details: { enabled: true } }
  return {
    ...b,
    status: 'warn',
    value: ini.error
      ? `unreadable: line ${ini.error.line}: ${ini.error.message}`
      : raw === undefined
        ? 'no enabled= line in [main] (the plugin stays off)'
        : `enabled=${raw} (off; the package ships it off)`,
    evidence,
    details: { enabled: enabled ?? null },
    remedy: { text: 'Set enabled=1 in [main]; "Enable RPM copy-on-write" does it through the privileged writer.' }
  }
}

async function dnfCheck(facts: Facts): Promise<Check> {
  const b = base('rpm.cow.dnf', 'dnf version (the CoW plugin is a dnf4 plugin)')
  const [dnf5, dnf3] = await Promise.all([facts.fs.exists('/usr/bin/dnf5'), facts.fs.exists('/usr/bin/dnf-3')])
  const evidence: Evidence[] = [{ source: '/usr/bin', excerpt: `dnf5 ${dnf5 ? 'present' : 'absent'}, dnf-3 ${dnf3 ? 'present' : 'absent'}` }]
  // dnf4 tells its version in its own files; only otherwise is dnf started (a Python start-up).
  const fromFiles = await dnf4VersionFromFiles(facts.fs)
  if (fromFiles) {
    evidence.push({ source: fromFiles.source, excerpt: `VERSION='${fromFiles.version}'` })
    return { ...b, status: 'ok', value: `dnf4 ${fromFiles.version}`, evidence, details: { major: 4 } }
  }
  const version = await runTool(facts, 'dnf', ['--version'], 15_000)
  const first = version.result?.stdout.split('\n')[0]?.trim() ?? ''
  if (version.result) evidence.push({ source: 'dnf --version', excerpt: first || version.result.stderr.trim().slice(0, 200) })
  const isFive = /^dnf5 /.test(first) || (!version.result && dnf5 && !dnf3)
  if (isFive) {
    return {
      ...b,
      status: 'warn',
      value: dnf3 ? 'dnf is dnf5; dnf4 is also installed (dnf-3)' : 'dnf is dnf5',
      evidence,
      details: { major: 5, dnf4Available: dnf3 },
      remedy: {
        text: `dnf5 does not load dnf4 plugins, so python3-dnf-plugin-cow does nothing there: packages are downloaded and copied in full, not reflinked.${dnf3 ? ' Run transactions with dnf-3 (dnf4) to use copy-on-write.' : ' Install dnf (dnf4) and use dnf-3 for transactions to use copy-on-write.'}`
      }
    }
  }
  if (!version.result && !dnf3 && !(await facts.fs.exists('/usr/bin/dnf')))
    return { ...b, status: 'unknown', value: 'dnf not found', evidence, details: { major: null } }
  return { ...b, status: 'ok', value: first ? `dnf4 ${first}` : 'dnf4 (dnf-3 present)', evidence, details: { major: 4 } }
}

async function reflinkCheck(facts: Facts): Promise<Check> {
  const b = base('rpm.cow.reflink', 'Reflinks proven in the dnf cache; root filesystem')
  const evidence: Evidence[] = []
  const details: Record<string, unknown> = { cacheTest: null, rootFilesystem: null }
  let cacheOk: boolean | undefined
  if (facts.live && (await facts.fs.exists(DNF_CACHE))) {
    try {
      const r = await reflinkTest(facts.fs.resolve(DNF_CACHE))
      cacheOk = r.supported
      details.cacheTest = r
      evidence.push({ source: `reflink test in ${DNF_CACHE}`, excerpt: r.message })
    } catch (err) {
      evidence.push({ source: `reflink test in ${DNF_CACHE}`, excerpt: `could not run: ${(err as Error).message}` })
    }
  } else {
    evidence.push({ source: `reflink test in ${DNF_CACHE}`, excerpt: facts.live ? `${DNF_CACHE} does not exist` : 'not run under a fixture root' })
  }
  let rootFs: string | undefined
  if (facts.live) rootFs = (await statfsType(facts.fs, '/'))?.type
  else {
    const mounts = await facts.mounts()
    rootFs = mounts ? mountFor(mounts.value, '/')?.fsType : undefined
  }
  details.rootFilesystem = rootFs ?? null
  evidence.push({ source: facts.live ? 'statfs /' : '/proc/self/mountinfo', excerpt: rootFs ? `/ is ${rootFs}` : 'unknown' })
  const rootReflinks = rootFs === 'btrfs' ? true : rootFs === 'xfs' ? undefined : rootFs ? false : undefined
  if (cacheOk === true && rootReflinks !== false)
    return { ...b, status: 'ok', value: `reflink copy works in ${DNF_CACHE}; / is ${rootFs ?? 'unknown'}`, evidence, details }
  if (cacheOk === false || rootReflinks === false) {
    return {
      ...b,
      status: 'warn',
      value: cacheOk === false ? `reflink copy fails in ${DNF_CACHE}` : `/ is ${rootFs}, which cannot reflink`,
      evidence,
      details,
      remedy: {
        text: 'Installed files are cloned from the dnf cache into place, so the cache and / must be on the same reflink-capable filesystem (btrfs, or XFS with reflink=1).'
      }
    }
  }
  return { ...b, status: 'unknown', value: `not proven${rootFs ? `; / is ${rootFs}` : ''}`, evidence, details }
}

async function rpmdbCheck(facts: Facts): Promise<Check> {
  const b = base('rpm.cow.rpmdb', 'rpm database location')
  const db = await rpmdbDir(facts)
  const evidence: Evidence[] = []
  let macro: string | undefined
  if (facts.live && (await findTool(facts, 'rpm'))) {
    macro = (await rpmInventory(facts)).dbpath
    if (macro) evidence.push({ source: 'rpm --eval %{_dbpath}', excerpt: macro })
  }
  evidence.push({ source: RPMDB_PATHS.join(', '), excerpt: db ? `database files in ${db}` : 'no database files found' })
  const where = macro ?? db
  const details = { dbpath: where ?? null }
  if (!where) return { ...b, status: 'unknown', value: 'no rpm database found', evidence, details }
  return { ...b, status: 'ok', value: where === '/usr/lib/sysimage/rpm' ? `${where} (as Hyperscale's Stream 9 rpm uses)` : where, evidence, details }
}

export async function rpmCowStackChecks(facts: Facts): Promise<Check[]> {
  return Promise.all([packagesCheck(facts), pluginCheck(facts), dnfCheck(facts), reflinkCheck(facts), rpmdbCheck(facts)])
}
