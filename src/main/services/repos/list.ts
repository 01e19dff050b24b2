import type { Expandable, RepoEntry, RepoFileInfo, RepoList, RepoProblem } from '../../../shared/contract/repos'
import type { RootFs } from '../system/rootfs'
import type { Dnf } from './dnf'
import { classifyRepo } from './hyperscale'
import { parseBool, parseIni, parseList, type IniSection, type IniValue } from './ini'
import { expandVars } from './vars'

export interface ListDeps {
  fs: RootFs
  dnf: Dnf
  vars: Record<string, string>
}

/** dnf5 reads these after the repo files; later names win, /etc masks a same-named /usr file. */
const OVERRIDE_DIRS = ['/usr/share/dnf5/repos.override.d', '/etc/dnf/repos.override.d']

/** A key's value and where it came from (an override file may have set it). */
type Values = Map<string, IniValue & { file?: string }>

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`)
}

interface Override {
  file: string
  pattern: RegExp
  values: Values
}

async function readOverrides(fs: RootFs, problems: RepoProblem[]): Promise<Override[]> {
  const byName = new Map<string, string>()
  for (const dir of OVERRIDE_DIRS) {
    for (const name of await fs.list(dir)) if (name.endsWith('.repo')) byName.set(name, `${dir}/${name}`)
  }
  const out: Override[] = []
  for (const name of [...byName.keys()].sort()) {
    const file = byName.get(name)!
    const text = await fs.tryReadText(file)
    if (text === undefined) continue
    const parsed = parseIni(text)
    if (parsed.error) {
      problems.push({ file, line: parsed.error.line, message: parsed.error.message, severity: 'error' })
      continue
    }
    for (const s of parsed.sections) out.push({ file, pattern: globToRegExp(s.name), values: s.values })
  }
  return out
}

async function mainGpgcheck(fs: RootFs): Promise<boolean | undefined> {
  const text = await fs.tryReadText('/etc/dnf/dnf.conf')
  if (text === undefined) return undefined
  const parsed = parseIni(text)
  const v = parsed.sections.find((s) => s.name === 'main')?.values.get('gpgcheck')
  return v ? parseBool(v.value) : undefined
}

async function ownerOf(dnf: Dnf, file: string): Promise<string | undefined> {
  const res = await dnf.rpm(['-qf', '--queryformat', '%{NAME}\n', '--', file])
  if (res.code !== 0 || res.spawnError) return undefined
  return res.stdout.split('\n')[0]?.trim() || undefined
}

/**
 * Owning package of each file from ONE rpm process (one process per file cost seconds with
 * hundreds of .repo files). rpm prints, for each owning package, its file list with the
 * package name beside each path, so the answer maps paths to owners whatever the order, the
 * number of owners or the files nobody owns. Falls back to asking file by file, in sequence,
 * only if that query cannot run.
 */
async function ownersOf(dnf: Dnf, files: string[]): Promise<(string | undefined)[]> {
  if (files.length === 0) return []
  const res = await dnf.rpm(['-qf', '--queryformat', '[%{FILENAMES}\t%{=NAME}\n]', '--', ...files])
  if (res.spawnError) return files.map(() => undefined)
  const wanted = new Set(files)
  const owner = new Map<string, string>()
  for (const line of res.stdout.split('\n')) {
    const tab = line.lastIndexOf('\t')
    if (tab < 0) continue
    const file = line.slice(0, tab)
    if (wanted.has(file) && !owner.has(file)) owner.set(file, line.slice(tab + 1).trim())
  }
  if (owner.size === 0 && res.code !== 0 && !/is not owned by any package/.test(res.stdout + res.stderr) && res.stderr !== 'the root has no rpm database') {
    const out: (string | undefined)[] = []
    for (const f of files) out.push(await ownerOf(dnf, f))
    return out
  }
  return files.map((f) => owner.get(f) || undefined)
}

function buildEntry(
  file: string,
  section: IniSection,
  id: string,
  values: Values,
  vars: Record<string, string>,
  main: boolean | undefined,
  problems: RepoProblem[]
): RepoEntry {
  const ex = (raw: string): Expandable => ({ raw, expanded: expandVars(raw, vars) })
  const get = (k: string): (IniValue & { file?: string }) | undefined => values.get(k)
  const bool = (k: string): boolean | undefined => {
    const v = get(k)
    if (!v) return undefined
    const b = parseBool(v.value)
    if (b === undefined)
      problems.push({
        file: v.file ?? file,
        line: v.line,
        message: `[${id}] ${k}=${v.value} is not a boolean (1/0, yes/no, true/false, on/off)`,
        severity: 'warning'
      })
    return b
  }
  const enabled = bool('enabled') ?? true
  const own = bool('gpgcheck')
  let priority = 99
  const pv = get('priority')
  if (pv) {
    if (/^-?\d+$/.test(pv.value.trim())) priority = Number(pv.value.trim())
    else problems.push({ file: pv.file ?? file, line: pv.line, message: `[${id}] priority=${pv.value} is not a number`, severity: 'warning' })
  }
  const entry: RepoEntry = {
    id,
    file,
    line: section.line,
    name: ex(get('name')?.value ?? id),
    enabled,
    baseurl: parseList(get('baseurl')?.value ?? '').map(ex),
    gpgcheck: own ?? main ?? false,
    gpgcheckSource: own !== undefined ? 'repo' : main !== undefined ? 'dnf.conf' : 'default',
    gpgkey: parseList(get('gpgkey')?.value ?? '').map(ex),
    priority
  }
  if (id !== section.name) entry.section = section.name
  if (!get('name')) problems.push({ file, line: section.line, message: `Repository '${id}' is missing name in configuration, using id.`, severity: 'warning' })
  const metalink = get('metalink')?.value
  if (metalink) entry.metalink = ex(metalink)
  const mirrorlist = get('mirrorlist')?.value
  if (mirrorlist) entry.mirrorlist = ex(mirrorlist)
  const hs = classifyRepo({ id: entry.id, metalink, mirrorlist, baseurl: entry.baseurl.map((b) => b.raw) })
  if (hs) entry.hyperscale = hs
  return entry
}

/** libdnf's Repo::verifyId: letters, digits and "-_.:" only. */
const REPO_ID_CHAR = /[A-Za-z0-9\-_.:]/

/** dnf's "Bad id for repo" message (dnf/conf/read.py _build_repo) for an id it would reject, else undefined. */
export function badRepoId(section: string, id: string): string | undefined {
  const at = [...id].findIndex((c) => !REPO_ID_CHAR.test(c))
  if (at < 0 && id.length > 0) return undefined
  if (id.length === 0) return `Bad id for repo: empty id (${section})`
  const shown = id === section ? id : `${id} (${section})`
  return `Bad id for repo: ${shown}, byte = ${id[at]} ${at} (dnf allows only letters, digits and - _ . : in repository ids)`
}

/**
 * Every .repo file in the repos dir, parsed as dnf parses it. A file with a syntax error is
 * reported (file and line) and skipped, exactly as dnf skips it; the others still load.
 */
export async function listRepos({ fs, dnf, vars }: ListDeps): Promise<RepoList> {
  const reposDir = dnf.reposDir
  const problems: RepoProblem[] = []
  const repos: RepoEntry[] = []
  const files: RepoFileInfo[] = []
  const seen = new Map<string, string>()
  // Started now, awaited at the end: rpm and dnf's version answer while the files are read.
  // (Marked handled: a rejection while the files are read must not end the process first.)
  const dbKnown = dnf.hasRpmDb()
  const info = dnf.info()
  dbKnown.catch(() => undefined)
  info.catch(() => undefined)
  const [overrides, main] = await Promise.all([readOverrides(fs, problems), mainGpgcheck(fs)])

  const names = (await fs.list(reposDir)).filter((n) => n.endsWith('.repo'))
  // Asked now, for every file, so rpm answers while the files are read and parsed (issue 15);
  // the owners of files that turn out malformed are not used.
  const ownersAsked = ownersOf(
    dnf,
    names.map((n) => `${reposDir}/${n}`)
  )
  ownersAsked.catch(() => undefined)
  // One call for the directory: a thread-pool round trip per file cost seconds with hundreds
  // of .repo files under a --root (issue 15).
  const texts = await fs.tryReadTextsIn(reposDir, names)
  for (const [i, name] of names.entries()) {
    const file = `${reposDir}/${name}`
    const text = texts[i]
    if (text === undefined) {
      problems.push({ file, line: 0, message: 'cannot read the file', severity: 'error' })
      files.push({ path: file, repoIds: [], malformed: true })
      continue
    }
    const parsed = parseIni(text)
    for (const w of parsed.warnings) problems.push({ file, line: w.line, message: w.message, severity: 'warning' })
    if (parsed.error) {
      problems.push({ file, line: parsed.error.line, message: `${parsed.error.message}; dnf skips this file`, severity: 'error' })
      files.push({ path: file, repoIds: [], malformed: true })
      continue
    }
    const ids: string[] = []
    for (const section of parsed.sections) {
      if (section.name === 'main') continue
      // dnf substitutes variables in the section name first: [vars-$basearch] is the repo vars-x86_64.
      const id = expandVars(section.name, vars)
      const bad = badRepoId(section.name, id)
      if (bad) {
        problems.push({ file, line: section.line, message: `${bad}; dnf skips this repository`, severity: 'error' })
        continue
      }
      const firstFile = seen.get(id)
      if (firstFile) {
        problems.push({ file, line: section.line, message: `repo ${id} is already defined in ${firstFile}; dnf uses only one of them`, severity: 'warning' })
        continue
      }
      seen.set(id, file)
      const values: Values = new Map(section.values)
      let overriddenBy: string | undefined
      for (const o of overrides) {
        if (!o.pattern.test(id)) continue
        for (const [k, v] of o.values) values.set(k, { ...v, file: o.file })
        overriddenBy = o.file
      }
      const entry = buildEntry(file, section, id, values, vars, main, problems)
      if (overriddenBy) entry.overriddenBy = overriddenBy
      repos.push(entry)
      ids.push(id)
    }
    files.push({ path: file, repoIds: ids, malformed: false })
  }

  await dbKnown
  // One entry in `files` per name, in order.
  const owners = await ownersAsked
  files.forEach((f, i) => {
    if (!f.malformed && owners[i]) f.owner = owners[i]
  })

  const list: RepoList = { reposDir, vars, repos, files, problems, dnf: await info }
  if (dnf.target.installroot) list.installroot = dnf.target.installroot
  return list
}
