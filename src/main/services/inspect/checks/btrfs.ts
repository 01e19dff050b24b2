import type { Check, Evidence, Remedy } from '../../../../shared/contract'
import { optionLine, optionState } from '../parsers/kernel-config'
import { mountOption, type MountEntry } from '../parsers/mountinfo'
import { parseFilesystems, parseFstab, parseModules } from '../parsers/procfs'
import { parseBtrfsVersion } from '../parsers/versions'
import { excerpt, type Facts } from '../facts'
import { runTool } from '../../system/facts/tools'

export const BTRFS_REMEDY: Remedy = {
  text: 'This kernel cannot mount btrfs. For the stock CentOS Stream kernel install kmod-btrfs from the CentOS Kmods SIG, or switch to the Hyperscale kernel, which builds btrfs in.',
  command: 'dnf install centos-release-kmods && dnf install kmod-btrfs'
}

/**
 * builtin: CONFIG_BTRFS_FS=y (or the running kernel shows it built in); module-loaded;
 * module-available: =m and btrfs.ko is installed under the root; module-missing: =m but no
 * btrfs.ko under this root (support exists, the file does not); none: not configured;
 * unknown: no kernel config and nothing else to go by.
 */
export type BtrfsSupport = 'builtin' | 'module-loaded' | 'module-available' | 'module-missing' | 'none' | 'unknown'

/** Where distribution and kmod packages put btrfs.ko (kmod-btrfs installs under extra/ or weak-updates/). */
const MODULE_DIRS = ['kernel/fs/btrfs', 'extra/btrfs', 'extra', 'weak-updates/btrfs', 'weak-updates', 'updates/btrfs', 'updates']
const KO = /(^|\/)btrfs\.ko(\.(xz|zst|gz))?$/

async function findModule(facts: Facts, release: string): Promise<string | undefined> {
  const found = await Promise.all(
    MODULE_DIRS.map(async (d) => {
      const dir = `/lib/modules/${release}/${d}`
      const name = (await facts.fs.list(dir)).find((n) => KO.test(n))
      return name ? `${dir}/${name}` : undefined
    })
  )
  const hit = found.find((f) => f !== undefined)
  if (hit) return hit
  // depmod's index names every installed module's path, wherever a package put it.
  const dep = await facts.text(`/lib/modules/${release}/modules.dep`)
  const line = dep?.split('\n').find((l) => KO.test(l.slice(0, l.indexOf(':'))))
  if (line) {
    const p = `/lib/modules/${release}/${line.slice(0, line.indexOf(':'))}`
    if (await facts.fs.exists(p)) return p
  }
  return undefined
}

export async function btrfsSupport(
  facts: Facts
): Promise<{ support: BtrfsSupport; evidence: Evidence[]; registered: boolean; modulePath?: string; release?: string }> {
  const [kc, rel, filesystems, modules, sysModule, initstate] = await Promise.all([
    facts.kernelConfig(),
    facts.kernelRelease(),
    facts.text('/proc/filesystems'),
    facts.text('/proc/modules'),
    facts.fs.exists('/sys/module/btrfs'),
    facts.fs.exists('/sys/module/btrfs/initstate')
  ])
  const release = rel?.value.release
  const evidence: Evidence[] = []
  const opt = optionState(kc.config, 'BTRFS_FS')
  evidence.push({ source: kc.source ?? 'kernel config', excerpt: optionLine(opt) })
  const registered = filesystems !== undefined && parseFilesystems(filesystems).some((f) => f.name === 'btrfs')
  if (filesystems !== undefined) evidence.push({ source: '/proc/filesystems', excerpt: registered ? 'btrfs listed' : 'btrfs not listed' })
  const loaded = (modules !== undefined && parseModules(modules).includes('btrfs')) || initstate
  if (modules !== undefined) evidence.push({ source: '/proc/modules', excerpt: loaded ? 'btrfs loaded' : 'btrfs not loaded' })
  if (sysModule)
    evidence.push({ source: '/sys/module/btrfs', excerpt: initstate ? 'present, with initstate (loadable module)' : 'present, no initstate (built in)' })
  const builtinList = release ? await facts.text(`/lib/modules/${release}/modules.builtin`) : undefined
  const listedBuiltin = builtinList !== undefined && builtinList.split('\n').some((l) => KO.test(l.trim()))
  if (listedBuiltin) evidence.push({ source: `/lib/modules/${release}/modules.builtin`, excerpt: 'btrfs listed (built in)' })
  const modulePath = release ? await findModule(facts, release) : undefined
  if (modulePath) evidence.push({ source: modulePath, excerpt: 'module file present' })
  else if (opt.state === 'module' && release)
    evidence.push({ source: `/lib/modules/${release}`, excerpt: 'no btrfs.ko (searched kernel/fs/btrfs, extra, weak-updates, updates and modules.dep)' })
  let support: BtrfsSupport
  if (opt.state === 'builtin' || listedBuiltin || (sysModule && !initstate && registered && opt.state !== 'module')) support = 'builtin'
  else if (loaded) support = 'module-loaded'
  else if (modulePath) support = 'module-available'
  else if (registered) support = 'builtin'
  else if (opt.state === 'module') support = 'module-missing'
  else if (opt.state === 'unknown') support = 'unknown'
  else support = 'none'
  return { support, evidence, registered, modulePath, release }
}

const supportText: Record<BtrfsSupport, string> = {
  builtin: 'built into the kernel',
  'module-loaded': 'module loaded',
  'module-available': 'module available (loads on first mount)',
  'module-missing': 'configured as a module (CONFIG_BTRFS_FS=m), but btrfs.ko is not installed under this root',
  none: 'not available (CONFIG_BTRFS_FS not set)',
  unknown: 'unknown (no kernel config and no running btrfs to go by)'
}

function describeMount(m: MountEntry) {
  const compress = mountOption(m, 'compress-force') ?? mountOption(m, 'compress')
  const subvol = mountOption(m, 'subvol')
  return {
    mountPoint: m.mountPoint,
    source: m.source,
    subvol: typeof subvol === 'string' ? subvol : m.root,
    subvolid: Number(mountOption(m, 'subvolid')) || null,
    compression: typeof compress === 'string' ? compress : compress === true ? 'zlib' : null,
    forceCompression: mountOption(m, 'compress-force') !== undefined,
    options: m.superOptions
  }
}

export async function btrfsChecks(facts: Facts): Promise<Check[]> {
  const [sup, mounts, features, checksums, fstab, progs] = await Promise.all([
    btrfsSupport(facts),
    facts.mounts(),
    facts.fs.list('/sys/fs/btrfs/features'),
    facts.text('/sys/fs/btrfs/features/supported_checksums'),
    facts.text('/etc/fstab'),
    runTool(facts, 'btrfs', ['--version'])
  ])
  const checks: Check[] = []
  const fstabBtrfs = fstab ? parseFstab(fstab).filter((e) => e.type === 'btrfs') : []
  const kernel: Check = {
    id: 'btrfs.kernel',
    group: 'btrfs',
    title: 'btrfs kernel support',
    status:
      sup.support === 'none' ? (fstabBtrfs.length ? 'fail' : 'warn') : sup.support === 'module-missing' ? 'warn' : sup.support === 'unknown' ? 'unknown' : 'ok',
    value: supportText[sup.support],
    evidence: sup.evidence,
    details: { support: sup.support, registered: sup.registered, modulePath: sup.modulePath ?? null, fstabEntries: fstabBtrfs.map((e) => e.file) }
  }
  if (sup.support === 'none') {
    kernel.remedy = BTRFS_REMEDY
    if (fstabBtrfs.length) kernel.evidence.push({ source: '/etc/fstab', excerpt: fstabBtrfs.map((e) => `${e.spec} ${e.file} btrfs ${e.options}`).join('\n') })
  } else if (sup.support === 'module-missing') {
    kernel.remedy = {
      text: `This kernel supports btrfs as a module, but btrfs.ko is not under /lib/modules/${sup.release ?? 'R'} in this root. Install the package that ships this kernel's modules (kernel-modules-core or kernel-modules on CentOS Stream and Fedora), or, for an image, check that its /lib/modules was included.`,
      command: sup.release ? `dnf install kernel-modules-core-${sup.release}` : undefined
    }
  }
  checks.push(kernel)

  const featureNames = features.filter((f) => f !== 'supported_checksums' && f !== 'supported_sectorsizes' && f !== 'supported_rescue_options')
  checks.push(
    features.length
      ? {
          id: 'btrfs.features',
          group: 'btrfs',
          title: 'btrfs kernel features',
          status: 'ok',
          value: `${featureNames.length} features${checksums ? `; checksums: ${checksums.trim()}` : ''}`,
          evidence: [
            { source: '/sys/fs/btrfs/features', excerpt: features.join(' ') },
            ...(checksums ? [{ source: '/sys/fs/btrfs/features/supported_checksums', excerpt: checksums.trim() }] : [])
          ],
          details: { features: featureNames, checksums: checksums ? checksums.trim().split(/\s+/) : [] }
        }
      : {
          id: 'btrfs.features',
          group: 'btrfs',
          title: 'btrfs kernel features',
          status: 'unknown',
          value: sup.support === 'module-available' ? 'module not loaded yet; features appear after the first btrfs mount' : 'no /sys/fs/btrfs/features',
          evidence: [{ source: '/sys/fs/btrfs/features', excerpt: 'missing' }],
          details: { features: [], checksums: [] }
        }
  )

  if (!mounts) {
    checks.push({
      id: 'btrfs.mounts',
      group: 'btrfs',
      title: 'Mounted btrfs filesystems',
      status: 'unknown',
      value: 'mount table not readable',
      evidence: [{ source: '/proc/self/mountinfo', excerpt: 'missing' }]
    })
  } else {
    const list = mounts.value.filter((m) => m.fsType === 'btrfs').map(describeMount)
    const lines = mounts.text.split('\n').filter((l) => l.includes(' - btrfs '))
    checks.push({
      id: 'btrfs.mounts',
      group: 'btrfs',
      title: 'Mounted btrfs filesystems',
      status: 'ok',
      value: list.length
        ? list.map((m) => `${m.mountPoint} (subvol=${m.subvol}${m.compression ? `, compress=${m.compression}` : ', no compression'})`).join('; ')
        : 'none mounted',
      evidence: [{ source: mounts.source, excerpt: lines.length ? excerpt(lines.join('\n'), 20, 3000) : 'no btrfs lines' }],
      details: { mounts: list }
    })
  }

  const pbase = { id: 'btrfs.progs', group: 'btrfs', title: 'btrfs-progs' } as const
  if (!progs.path) {
    checks.push({
      ...pbase,
      status: 'warn',
      value: 'not installed',
      evidence: [{ source: 'btrfs', excerpt: 'not found in /usr/sbin, /usr/bin, /sbin, /bin' }],
      remedy: { text: 'Install the btrfs tools to create, check and manage btrfs filesystems and subvolumes.', command: 'dnf install btrfs-progs' },
      details: { installed: false, version: null }
    })
  } else if (!progs.result) {
    checks.push({
      ...pbase,
      status: 'ok',
      value: `installed (${progs.path}; version not read under a fixture root)`,
      evidence: [{ source: progs.path, excerpt: 'present' }],
      details: { installed: true, path: progs.path, version: null }
    })
  } else {
    const version = parseBtrfsVersion(progs.result.stdout)
    checks.push({
      ...pbase,
      status: version ? 'ok' : 'unknown',
      value: version ? `btrfs-progs ${version}` : `installed, version unreadable (exit ${progs.result.code})`,
      evidence: [{ source: `${progs.path} --version`, excerpt: excerpt(progs.result.stdout || progs.result.stderr || progs.result.spawnError || '', 3) }],
      details: { installed: true, path: progs.path, version: version ?? null }
    })
  }
  return checks
}
