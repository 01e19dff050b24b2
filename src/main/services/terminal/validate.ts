import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'

/**
 * Every value that ends up in a privileged argv passes one of these first. They reject
 * rather than sanitize: an id that needs escaping is not an id dnf would have written.
 */

const REPO_ID = /^[A-Za-z0-9._:-]+$/

function invalid(what: string, value: string, rule: string): AppError {
  const shown = JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)
  return new AppError('ValidationError', `invalid ${what} ${shown}: ${rule}`, { stage: 'validate argv' })
}

export function assertRepoId(id: string): string {
  if (id.length === 0 || id.length > 128 || !REPO_ID.test(id) || id.startsWith('-')) {
    throw invalid('repo id', id, "only letters, digits and . _ : - are allowed, and it must not start with '-'")
  }
  return id
}

/** Packages a privileged action may name explicitly (installs, reinstalls). */
export const PACKAGE_ALLOWLIST: ReadonlySet<string> = new Set([
  'centos-release-hyperscale',
  'centos-release-hyperscale-experimental',
  'centos-release-hyperscale-experimental-testing',
  'centos-release-hyperscale-hotfixes',
  'centos-release-hyperscale-kernel',
  'centos-release-hyperscale-spin',
  'centos-release-hyperscale-spin-testing',
  'centos-release-hyperscale-testing',
  'centos-gpg-keys',
  'epel-release',
  'kernel',
  'rpm-plugin-reflink',
  'python3-dnf-plugin-cow'
])

export function assertAllowedPackage(name: string): string {
  if (!PACKAGE_ALLOWLIST.has(name)) throw invalid('package', name, 'not one of the packages this app installs')
  return name
}

const PACKAGE_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/

/**
 * Names read back from rpm/dnf (for distro-sync of what Hyperscale ships). They do not come
 * from the user, but still must look like package names so nothing can pose as an option.
 */
export function assertPackageName(name: string): string {
  if (name.length > 200 || !PACKAGE_NAME.test(name)) throw invalid('package name', name, 'not an RPM package name')
  return name
}

export function assertAbsolutePath(p: string, what = 'path'): string {
  // normalize() rewrites "..", "." and "//", so a path it changes is not in canonical form.
  if (!path.isAbsolute(p) || p.length > 4096 || /[\0\n\r]/.test(p) || path.normalize(p) !== p) {
    throw invalid(what, p, 'must be an absolute, normalized path')
  }
  return p
}

export function assertReleasever(v: string): string {
  if (!/^[A-Za-z0-9._]+$/.test(v) || v.length > 32) throw invalid('releasever', v, 'letters, digits, . and _ only')
  return v
}

const KERNEL_RELEASE = /^[A-Za-z0-9][A-Za-z0-9._+~^-]*$/

export function assertKernelRelease(r: string): string {
  if (r.length > 200 || !KERNEL_RELEASE.test(r)) throw invalid('kernel release', r, 'expected version-release.arch')
  return r
}
