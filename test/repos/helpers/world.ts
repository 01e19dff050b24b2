import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runCommand } from '../../../src/main/services/system/command'
import { FIXTURES, PROJECT_ROOT } from '../../support/paths'
import { startStaticServer, type StaticServer } from '../../support/static-server'
import { dnfArgs } from './real-dnf'
import { buildRpm, createrepo } from './rpm'

const REPOS = path.join(FIXTURES, 'yum.repos.d')
export const KEY_PATH = '/etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-SIG-HyperScale'

/**
 * Points a real .repo file at the loopback server: metalink/mirrorlist/baseurl lines are
 * replaced by one baseurl per section, gpgcheck is turned off (the test RPMs are unsigned);
 * everything else (enabled, priority, names with $vars, comments) stays as shipped.
 */
export function loopback(text: string, urlFor: (id: string) => string): string {
  const out: string[] = []
  for (const line of text.split('\n')) {
    const section = /^\[([^\]]+)\]\s*$/.exec(line)
    if (section) {
      out.push(line, `baseurl=${urlFor(section[1])}`)
      continue
    }
    if (/^(metalink|mirrorlist|baseurl)\s*=/.test(line)) continue
    out.push(/^gpgcheck\s*=/.test(line) ? 'gpgcheck=0' : line)
  }
  return out.join('\n')
}

/** The sections of a .repo file as separate texts (hs.repo holds main and kernel together). */
function sections(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const chunk of text.split(/\n(?=\[)/)) {
    const id = /^\[([^\]]+)\]/.exec(chunk)?.[1]
    if (id) out.set(id, chunk.endsWith('\n') ? chunk : chunk + '\n')
  }
  return out
}

export interface World {
  root: string
  tmp: string
  server: StaticServer
  /** What each release package put in its .repo file: repo id -> packaged enabled flag. */
  packaged: Map<string, { file: string; enabled: boolean; owner: string }>
  close(): Promise<void>
}

/**
 * A CentOS Stream 9 installroot served by a loopback HTTP repo tree:
 *   baseos  stock hsdemo-1.0-1.el9, kernel-5.14.0-580.el9
 *   extras  centos-release-hyperscale{,-experimental}, epel-release
 *   hs-main hsdemo-1.1-1.hs.el9; hs-experimental hsxtool and kernel 6.10.9-0.hs1.hsx.el9
 * Stream 9 has no kernel flavour: its Hyperscale kernel comes from experimental.
 * with the stock packages installed by the real dnf, as on a fresh system.
 */
export async function buildWorld(): Promise<World> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-repos-world-'))
  const srv = path.join(tmp, 'srv')
  const work = path.join(tmp, 'rpmbuild')
  mkdirSync(work, { recursive: true })
  const server = await startStaticServer(srv)
  const url = (dir: string) => `${server.url}/${dir}/`
  // The release package ships the SIG's real public key (bundled, see resources/keys/README.md).
  const key = readFileSync(path.join(PROJECT_ROOT, 'resources/keys/RPM-GPG-KEY-CentOS-SIG-HyperScale'), 'utf8')

  const hs = sections(readFileSync(path.join(REPOS, 'hyperscale-el9/hs.repo'), 'utf8'))
  const hsUrl = (id: string) => url(id === 'centos-hyperscale' ? 'hs-main' : 'hs-experimental')
  const mainRepo = loopback(hs.get('centos-hyperscale')!, hsUrl)
  // No experimental stanza was found in public sources; it is the main one with the variant swapped.
  const experimentalRepo = loopback(
    hs
      .get('centos-hyperscale')!
      .replace('[centos-hyperscale]', '[centos-hyperscale-experimental]')
      .replace('- Hyperscale', '- Hyperscale Experimental')
      .replace('packages-main', 'packages-experimental'),
    hsUrl
  )
  const epelUrl = (id: string) => url(id === 'epel' ? 'epel' : 'empty')
  const epelRepo = loopback(readFileSync(path.join(REPOS, 'epel-el9/epel.repo'), 'utf8'), epelUrl)
  const epelTesting = loopback(readFileSync(path.join(REPOS, 'epel-el9/epel-testing.repo'), 'utf8'), epelUrl)

  const release = [
    { name: 'centos-release-hyperscale', file: '/etc/yum.repos.d/CentOS-Stream-Hyperscale.repo', text: mainRepo, requires: [] as string[], key: true },
    {
      name: 'centos-release-hyperscale-experimental',
      file: '/etc/yum.repos.d/CentOS-Stream-Hyperscale-Experimental.repo',
      text: experimentalRepo,
      requires: ['centos-release-hyperscale'],
      key: false
    }
  ]
  for (const r of release) {
    const files: Record<string, { content: string; config?: boolean }> = { [r.file]: { content: r.text, config: true } }
    if (r.key) files[KEY_PATH] = { content: key }
    await buildRpm({ name: r.name, version: '9', release: '2.el9', files, requires: r.requires }, path.join(srv, 'extras'), work)
  }
  await buildRpm(
    {
      name: 'epel-release',
      version: '9',
      release: '7.el9',
      files: { '/etc/yum.repos.d/epel.repo': { content: epelRepo, config: true }, '/etc/yum.repos.d/epel-testing.repo': { content: epelTesting, config: true } }
    },
    path.join(srv, 'extras'),
    work
  )
  const demo = (v: string, r: string) => ({ '/usr/share/hsdemo/build': { content: `hsdemo ${v}-${r}\n` } })
  const kfile = (vr: string) => ({ [`/boot/vmlinuz-${vr}.noarch`]: { content: `kernel ${vr}\n` } })
  await buildRpm({ name: 'hsdemo', version: '1.0', release: '1.el9', files: demo('1.0', '1.el9') }, path.join(srv, 'baseos'), work)
  await buildRpm({ name: 'kernel', version: '5.14.0', release: '580.el9', files: kfile('5.14.0-580.el9') }, path.join(srv, 'baseos'), work)
  await buildRpm({ name: 'hsdemo', version: '1.1', release: '1.hs.el9', files: demo('1.1', '1.hs.el9') }, path.join(srv, 'hs-main'), work)
  await buildRpm(
    { name: 'hsxtool', version: '0.3', release: '1.hsx.el9', files: { '/usr/share/hsxtool/x': { content: 'x\n' } } },
    path.join(srv, 'hs-experimental'),
    work
  )
  await buildRpm({ name: 'kernel', version: '6.10.9', release: '0.hs1.hsx.el9', files: kfile('6.10.9-0.hs1.hsx.el9') }, path.join(srv, 'hs-experimental'), work)
  for (const d of ['baseos', 'extras', 'epel', 'crb', 'empty', 'hs-main', 'hs-experimental']) await createrepo(path.join(srv, d))

  const root = path.join(tmp, 'root')
  mkdirSync(path.join(root, 'etc/yum.repos.d'), { recursive: true })
  mkdirSync(path.join(root, 'etc/dnf/vars'), { recursive: true })
  mkdirSync(path.join(root, 'etc/dnf/plugins'), { recursive: true })
  cpSync(path.join(FIXTURES, 'os-release/centos-stream-9'), path.join(root, 'etc/os-release'))
  writeFileSync(path.join(root, 'etc/dnf/vars/stream'), '9-stream\n')
  // The root's own dnf.conf (dnf reads it instead of the host's). Debian's dnf-plugins-core
  // enables the "local" and "versionlock" plugins, which a CentOS host does not; their
  // configuration is taken from the root so they stay off.
  writeFileSync(
    path.join(root, 'etc/dnf/dnf.conf'),
    `[main]\ngpgcheck=1\ninstallonly_limit=3\nclean_requirements_on_remove=True\nbest=True\nskip_if_unavailable=False\npluginconfpath=${root}/etc/dnf/plugins\n`
  )
  for (const p of ['local', 'versionlock']) writeFileSync(path.join(root, `etc/dnf/plugins/${p}.conf`), '[main]\nenabled=0\n')
  const centosUrl = (id: string) => url(id === 'baseos' ? 'baseos' : id === 'crb' ? 'crb' : id === 'extras-common' ? 'extras' : 'empty')
  writeFileSync(path.join(root, 'etc/yum.repos.d/centos.repo'), loopback(readFileSync(path.join(REPOS, 'centos-stream-9/centos.repo'), 'utf8'), centosUrl))
  writeFileSync(
    path.join(root, 'etc/yum.repos.d/centos-addons.repo'),
    loopback(readFileSync(path.join(REPOS, 'centos-stream-9/centos-addons.repo'), 'utf8'), centosUrl)
  )

  const base = await runCommand([...dnfArgs(root), '-y', 'install', 'hsdemo', 'kernel'], { timeoutMs: 180_000 })
  if (base.code !== 0) throw new Error(`installing the base packages failed: ${base.stdout}${base.stderr}`)

  const packaged = new Map<string, { file: string; enabled: boolean; owner: string }>()
  const record = (owner: string, file: string, text: string) => {
    for (const [id, body] of sections(text)) packaged.set(id, { file, owner, enabled: !/^enabled\s*=\s*0\s*$/m.test(body) })
  }
  for (const r of release) record(r.name, r.file, r.text)
  record('epel-release', '/etc/yum.repos.d/epel.repo', epelRepo)
  record('epel-release', '/etc/yum.repos.d/epel-testing.repo', epelTesting)

  return {
    root,
    tmp,
    server,
    packaged,
    close: async () => {
      await server.close()
      rmSync(tmp, { recursive: true, force: true })
    }
  }
}
