import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { FIXTURES } from '../support/paths'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runInspection } from '../../src/main/services/inspect/report'
import type { Check, InspectReport } from '../../src/shared/contract'

export const fixture = (rel: string): string => readFileSync(path.join(FIXTURES, rel), 'utf8')

/** A file tree under a tmp dir; keys are system paths ("/etc/os-release"), values file contents. */
export function makeRoot(files: Record<string, string | Buffer>): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hsc-inspect-root-'))
  for (const [p, content] of Object.entries(files)) {
    const full = path.join(root, p)
    mkdirSync(path.dirname(full), { recursive: true })
    writeFileSync(full, content)
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export const gz = (text: string): Buffer => gzipSync(Buffer.from(text))

/** Records every program the inspector starts (a fixture root must start none: they would describe the host). */
export function recordingRunner(): { run: CommandRunner; calls: string[][] } {
  const calls: string[][] = []
  return {
    calls,
    run: (argv, opts) => {
      calls.push([...argv])
      return runCommand(argv, opts)
    }
  }
}

export async function inspectRoot(root: string): Promise<{ report: InspectReport; calls: string[][]; get: (id: string) => Check }> {
  const { run, calls } = recordingRunner()
  const report = await runInspection({ fs: createRootFs(root), run })
  const get = (id: string): Check => {
    const c = report.checks.find((x) => x.id === id)
    if (!c) throw new Error(`no check ${id} in report (have ${report.checks.map((x) => x.id).join(', ')})`)
    return c
  }
  return { report, calls, get }
}

/** mountinfo lines in the kernel's format (proc(5)); the btrfs ones come from the real Fedora excerpt. */
export const MOUNT = {
  cgroup2: '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,seclabel,nsdelegate,memory_recursiveprot',
  cgroupTmpfs: '25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,seclabel,mode=755',
  cgroupUnified: '26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:5 - cgroup2 cgroup2 rw,seclabel,nsdelegate',
  cgroupV1Memory: '33 25 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,seclabel,memory',
  xfsRoot: '23 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/cs-root rw,seclabel,attr2,inode64,logbufs=8,logbsize=32k,noquota',
  ext4Var: '60 23 253:2 / /var rw,relatime shared:30 - ext4 /dev/mapper/cs-var rw,seclabel'
}
