import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { runCommand } from '../../src/main/services/system/command'
import { buildRpm } from '../repos/helpers/rpm'

export const have = async (argv: string[]): Promise<boolean> => (await runCommand(argv, { timeoutMs: 30_000 })).code === 0

export function tmpDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A free loopback port (closed again at once; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * Installs one real RPM whose release carries the Hyperscale experimental marker (.hsx.) into
 * the rpm database under `root`, so the fact's "installed Hyperscale builds" come from rpm itself.
 */
export async function installHyperscaleBuild(root: string, work: string): Promise<void> {
  const rpmFile = await buildRpm(
    { name: 'hsc-fleet-probe', version: '1.0', release: '1.hs1.hsx.el9', files: { '/usr/share/hsc-fleet-probe/README': { content: 'fleet test\n' } } },
    path.join(work, 'rpms'),
    work
  )
  mkdirSync(path.join(root, 'var/lib/rpm'), { recursive: true })
  const res = await runCommand(['rpm', '--root', root, '--nodeps', '--nosignature', '-i', rpmFile], { timeoutMs: 120_000 })
  if (res.code !== 0) throw new Error(`rpm -i failed: ${res.stderr}`)
}

/** Environment that keeps Ansible's state inside `dir` (parallel helpers share this machine). */
export function ansibleEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ANSIBLE_HOME: path.join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-local'),
    ANSIBLE_REMOTE_TEMP: path.join(dir, 'ansible-remote'),
    ANSIBLE_LOCALHOST_WARNING: 'false',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_HOST_KEY_CHECKING: 'false',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_CONFIG: path.join(dir, 'no-ansible.cfg'),
    ...extra
  }
}
