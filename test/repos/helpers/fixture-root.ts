import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { FIXTURES } from '../../support/paths'

/**
 * A root with one fixture set of real .repo files in /etc/yum.repos.d, an os-release
 * (CentOS Stream matching the set unless given), $stream in /etc/dnf/vars and a dnf.conf.
 */
export function fixtureRoot(parent: string, set: string, opts: { osRelease?: string; extra?: Record<string, string> } = {}): string {
  const root = mkdtempSync(path.join(parent, `${set}-`))
  const el8 = set.endsWith('8')
  mkdirSync(path.join(root, 'etc/yum.repos.d'), { recursive: true })
  mkdirSync(path.join(root, 'etc/dnf/vars'), { recursive: true })
  cpSync(path.join(FIXTURES, 'yum.repos.d', set), path.join(root, 'etc/yum.repos.d'), { recursive: true })
  cpSync(path.join(FIXTURES, 'os-release', opts.osRelease ?? (el8 ? 'centos-stream-8' : 'centos-stream-9')), path.join(root, 'etc/os-release'))
  writeFileSync(path.join(root, 'etc/dnf/vars/stream'), el8 ? '8-stream\n' : '9-stream\n')
  writeFileSync(path.join(root, 'etc/dnf/dnf.conf'), '[main]\ngpgcheck=1\ninstallonly_limit=3\n')
  for (const [p, text] of Object.entries(opts.extra ?? {})) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), text)
  }
  return root
}
