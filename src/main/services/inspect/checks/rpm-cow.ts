import { realpathSync } from 'node:fs'
import type { Check, Evidence } from '../../../../shared/contract'
import { mountFor } from '../parsers/mountinfo'
import { parseXfsReflink } from '../parsers/versions'
import { nearestExisting, statfsType } from '../../system/statfs'
import { excerpt, type Facts } from '../facts'
import { runTool } from '../../system/facts/tools'

export const DNF_CACHE = '/var/cache/dnf'

/**
 * RPM copy-on-write (the Hyperscale SIG's rpm/dnf CoW work) clones downloaded package
 * payloads into place with reflinks, so the dnf cache must sit on a filesystem that can
 * reflink: btrfs always, XFS when made with reflink=1.
 */
export async function rpmCowChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'rpm.cow', group: 'storage', title: 'RPM copy-on-write readiness' } as const
  const path = await nearestExisting(facts.fs, DNF_CACHE)
  const mounts = await facts.mounts()
  const evidence: Evidence[] = []
  if (path !== DNF_CACHE) evidence.push({ source: DNF_CACHE, excerpt: `missing; nearest existing parent is ${path}` })
  let real = path
  if (facts.live) {
    // Symlinks (e.g. /var → /srv/var) decide which mount holds the cache.
    try {
      real = realpathSync(facts.fs.resolve(path))
    } catch {
      real = path
    }
  }
  const mount = mounts ? mountFor(mounts.value, real) : undefined
  let fsType = mount?.fsType
  let magic: number | null = null
  if (facts.live) {
    const st = await statfsType(facts.fs, path)
    if (st) {
      evidence.push({ source: `statfs ${path}`, excerpt: `${st.type} (0x${st.magic.toString(16)})` })
      fsType = st.type
      magic = st.magic
    }
  }
  if (mount && mounts) evidence.push({ source: mounts.source, excerpt: `${mount.mountPoint} ${mount.fsType} ${mount.source} ${mount.superOptions.join(',')}` })
  const details: Record<string, unknown> = { path, filesystem: fsType ?? null, magic, mountPoint: mount?.mountPoint ?? null, reflink: null }
  if (!fsType)
    return [
      {
        ...base,
        status: 'unknown',
        value: `filesystem of ${path} unknown`,
        evidence: evidence.length ? evidence : [{ source: '/proc/self/mountinfo', excerpt: 'missing' }],
        details
      }
    ]
  if (fsType === 'btrfs') {
    details.reflink = true
    return [{ ...base, status: 'ok', value: `${path} is on btrfs (reflinks supported)`, evidence, details }]
  }
  if (fsType === 'xfs') {
    const target = mount?.mountPoint ?? path
    const xfs = facts.live ? await runTool(facts, 'xfs_info', [target]) : {}
    const reflink = xfs.result ? parseXfsReflink(xfs.result.stdout) : undefined
    if (xfs.result)
      evidence.push({
        source: `xfs_info ${target}`,
        excerpt: excerpt(
          xfs.result.stdout
            .split('\n')
            .filter((l) => /reflink|meta-data/.test(l))
            .join('\n') || xfs.result.stderr,
          4
        )
      })
    details.reflink = reflink ?? null
    if (reflink === true) return [{ ...base, status: 'ok', value: `${path} is on XFS with reflink=1`, evidence, details }]
    if (reflink === false) {
      return [
        {
          ...base,
          status: 'warn',
          value: `${path} is on XFS without reflink (reflink=0)`,
          evidence,
          details,
          remedy: {
            text: 'This XFS was made without reflink, which cannot be turned on later. Put /var/cache/dnf on btrfs or on an XFS made with mkfs.xfs -m reflink=1 (the default since xfsprogs 5.1).'
          }
        }
      ]
    }
    const why = !facts.live ? 'not determinable under a fixture root' : xfs.path ? 'xfs_info gave no reflink field' : 'xfs_info (xfsprogs) not installed'
    return [
      {
        ...base,
        status: 'unknown',
        value: `${path} is on XFS; reflink ${why}`,
        evidence,
        details,
        remedy: facts.live && !xfs.path ? { text: 'Install xfsprogs so the reflink flag of this XFS can be read.', command: 'dnf install xfsprogs' } : undefined
      }
    ]
  }
  return [
    {
      ...base,
      status: 'warn',
      value: `${path} is on ${fsType}, which has no reflinks`,
      evidence,
      details,
      remedy: {
        text: `RPM copy-on-write needs /var/cache/dnf on btrfs or on XFS with reflink; ${fsType} cannot clone file extents, so packages would be copied in full.`
      }
    }
  ]
}
