import type { PlanStep } from '../../../shared/contract/terminal'
import type { Prerequisite, PrerequisiteId, RepoEntry, RepoList } from '../../../shared/contract/repos'
import type { RootFs } from '../system/rootfs'
import { parseOsRelease } from '../inspect/parsers/os-release'
import { assertAllowedPackage, assertRepoId } from '../terminal/validate'
import { toggleArgs, type Dnf } from './dnf'
import { HYPERSCALE_GPG_KEY } from './hyperscale'
import { installedSet } from './rpmdb'
import { checkKeyFile, formatFingerprint, HYPERSCALE_KEY_FINGERPRINT } from './sig-key'

export interface StreamInfo {
  /** CentOS Stream 8, 9 or 10; null when the system is something else. */
  major: 8 | 9 | 10 | null
  /** The EL major for repo naming (CRB vs PowerTools), also for CentOS look-alikes. */
  elMajor: number | null
  pretty: string
}

export async function streamInfo(fs: RootFs): Promise<StreamInfo> {
  const text = (await fs.tryReadText('/etc/os-release')) ?? (await fs.tryReadText('/usr/lib/os-release'))
  if (!text) return { major: null, elMajor: null, pretty: 'os-release not found' }
  const os = parseOsRelease(text)
  const elMajor = /^\d+/.exec(os.VERSION_ID ?? '') ? Number(/^\d+/.exec(os.VERSION_ID ?? '')![0]) : null
  const pretty = os.PRETTY_NAME ?? `${os.NAME ?? 'unknown'} ${os.VERSION_ID ?? ''}`.trim()
  const isStream = os.ID === 'centos' && (elMajor === 8 || elMajor === 9 || elMajor === 10)
  return { major: isStream ? (elMajor as 8 | 9 | 10) : null, elMajor, pretty }
}

export interface PrerequisiteState {
  list: Prerequisite[]
  /** The steps each fixable prerequisite's one-click fix runs. */
  fixes: Map<PrerequisiteId, PlanStep[]>
  stream: StreamInfo
  /** Repo ids a setup must enable first (CRB/PowerTools, extras-common). */
  reposToEnable: string[]
  /** Prerequisite packages a setup installs along with the release packages. */
  packagesToInstall: string[]
}

function findRepo(list: RepoList, ...ids: string[]): RepoEntry | undefined {
  const lower = ids.map((i) => i.toLowerCase())
  return list.repos.find((r) => lower.includes(r.id.toLowerCase()))
}

/** Is the armored key really a public key block (not an empty file or an HTML error page)? */
function looksLikeKey(text: string | undefined): boolean {
  return !!text && text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')
}

export async function evaluatePrerequisites(fs: RootFs, dnf: Dnf, list: RepoList): Promise<PrerequisiteState> {
  const stream = await streamInfo(fs)
  const info = await dnf.info()
  const installed = await installedSet(dnf, ['epel-release', 'centos-release-hyperscale'])
  const out: Prerequisite[] = []
  const fixes = new Map<PrerequisiteId, PlanStep[]>()
  const reposToEnable: string[] = []
  const packagesToInstall: string[] = []
  const enableStep = (id: string, why: string): PlanStep => ({ argv: dnf.argv(...toggleArgs(info.major ?? 4, assertRepoId(id), true)), why })

  out.push({
    id: 'stream',
    title: 'CentOS Stream 8, 9 or 10',
    status: stream.major ? 'ok' : 'missing',
    detail: stream.pretty,
    fixable: false,
    hint: stream.major ? undefined : 'Hyperscale packages are built for CentOS Stream 8, 9 and 10 only.'
  })

  const extras = findRepo(list, 'extras-common')
  if (extras?.enabled) {
    out.push({ id: 'extras-common', title: 'extras-common repository enabled', status: 'ok', detail: `${extras.id} in ${extras.file}`, fixable: false })
  } else if (extras) {
    reposToEnable.push(extras.id)
    fixes.set('extras-common', [enableStep(extras.id, 'the Hyperscale release packages come from extras-common')])
    out.push({
      id: 'extras-common',
      title: 'extras-common repository enabled',
      status: 'missing',
      detail: `${extras.id} is disabled in ${extras.file}`,
      fixable: true
    })
  } else {
    out.push({
      id: 'extras-common',
      title: 'extras-common repository enabled',
      status: 'missing',
      detail: 'no extras-common repository is configured',
      fixable: false,
      hint: 'extras-common ships with CentOS Stream (centos-addons.repo on 9/10, CentOS-Stream-Extras-common.repo on 8); reinstall centos-stream-repos.'
    })
  }

  if (installed.has('epel-release')) {
    out.push({ id: 'epel', title: 'EPEL (epel-release) installed', status: 'ok', detail: 'epel-release is installed', fixable: false })
  } else {
    packagesToInstall.push(assertAllowedPackage('epel-release'))
    fixes.set('epel', [{ argv: dnf.argv('install', '-y', 'epel-release'), why: 'Hyperscale packages may depend on EPEL packages' }])
    out.push({ id: 'epel', title: 'EPEL (epel-release) installed', status: 'missing', detail: 'epel-release is not installed', fixable: true })
  }

  const crbName = stream.elMajor === 8 ? 'PowerTools' : 'CRB'
  if (stream.elMajor === null) {
    out.push({ id: 'crb', title: 'CRB / PowerTools enabled', status: 'unknown', detail: 'the release is unknown', fixable: false })
  } else {
    const crb = stream.elMajor === 8 ? findRepo(list, 'powertools') : findRepo(list, 'crb')
    const title = `${crbName} repository enabled`
    if (crb?.enabled) out.push({ id: 'crb', title, status: 'ok', detail: `${crb.id} in ${crb.file}`, fixable: false })
    else if (crb) {
      reposToEnable.push(crb.id)
      fixes.set('crb', [enableStep(crb.id, `EPEL packages need ${crbName}`)])
      out.push({ id: 'crb', title, status: 'missing', detail: `${crb.id} is disabled in ${crb.file}`, fixable: true })
    } else {
      out.push({
        id: 'crb',
        title,
        status: 'missing',
        detail: `no ${crbName} repository is configured`,
        fixable: false,
        hint: 'It ships with CentOS Stream; reinstall centos-stream-repos.'
      })
    }
  }

  const keyText = await fs.tryReadText(HYPERSCALE_GPG_KEY)
  const keyCheck = looksLikeKey(keyText) ? await checkKeyFile(keyText!) : undefined
  const sigFpr = formatFingerprint(HYPERSCALE_KEY_FINGERPRINT)
  if (keyCheck?.matches) {
    out.push({
      id: 'gpg-key',
      title: 'Hyperscale GPG key present',
      status: 'ok',
      detail: `${HYPERSCALE_GPG_KEY}: fingerprint ${sigFpr}, the same as the SIG key bundled with this app`,
      fixable: false
    })
  } else {
    const detail =
      keyText === undefined
        ? `${HYPERSCALE_GPG_KEY} is missing`
        : !keyCheck
          ? `${HYPERSCALE_GPG_KEY} is not a PGP public key`
          : keyCheck.problem
            ? `${HYPERSCALE_GPG_KEY} could not be read as a PGP key (${keyCheck.problem})`
            : `${HYPERSCALE_GPG_KEY} holds key ${keyCheck.fingerprints.map(formatFingerprint).join(', ') || '(none)'}, not the Hyperscale SIG key ${sigFpr}: packages signed by the SIG would not verify against it`
    // rpm still knows the owner of a deleted file, so a reinstall of that package restores it.
    const owner = (await dnf.rpm(['-qf', '--queryformat', '%{NAME}\n', '--', HYPERSCALE_GPG_KEY])).stdout.split('\n')[0]?.trim()
    let fix: PlanStep | undefined
    if (owner && /^[A-Za-z0-9._+-]+$/.test(owner) && !owner.includes(' ')) {
      try {
        fix = { argv: dnf.argv('reinstall', '-y', assertAllowedPackage(owner)), why: `${owner} ships the key` }
      } catch {
        fix = undefined
      }
    } else if (!installed.has('centos-release-hyperscale')) {
      fix = { argv: dnf.argv('install', '-y', 'centos-release-hyperscale'), why: 'the key comes with the Hyperscale release package' }
    }
    if (fix) fixes.set('gpg-key', [fix])
    out.push({
      id: 'gpg-key',
      title: 'Hyperscale GPG key present',
      status: 'missing',
      detail,
      fixable: !!fix,
      hint: fix
        ? undefined
        : 'Import it from https://www.centos.org/keys/RPM-GPG-KEY-CentOS-SIG-HyperScale (fingerprint 9B04 530E 0ED6 ABC4 B2C3 58DD 2A01 FA2A EB3D AC40).'
    })
  }

  return { list: out, fixes, stream, reposToEnable, packagesToInstall }
}
