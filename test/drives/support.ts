import { execFileSync, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, realpathSync, statSync, writeFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { connectFdBus } from '../../src/main/services/drives/udisks/bus'
import { RACY_MS } from '../../src/main/services/system/image-digests'
import { UDisksClient } from '../../src/main/services/drives/udisks/client'

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

/** Why the UDisks2 integration tests cannot run here, or undefined when they can. */
export async function udisksSkipReason(): Promise<string | undefined> {
  if (!isRoot) return 'needs root (loop devices); run as root after scripts/ci/start-services.sh'
  for (const cmd of ['udisksctl', 'xorriso', 'losetup', 'lsblk']) if (!has(cmd)) return `${cmd} is not installed`
  try {
    const bus = await connectFdBus({ timeoutMs: 3000 })
    try {
      await new UDisksClient(bus).version()
    } finally {
      bus.disconnect()
    }
  } catch (err) {
    return `udisksd is not on the system bus (${(err as Error).message}); run bash scripts/ci/start-services.sh`
  }
  return undefined
}

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** A real ISO 9660 image made by xorriso from random files (about `mib` MiB). */
export function makeIso(dir: string, mib: number): string {
  const src = path.join(dir, 'iso-src')
  mkdirSync(path.join(src, 'EFI/BOOT'), { recursive: true })
  writeFileSync(path.join(src, 'payload.bin'), randomBytes(mib * 1024 * 1024))
  writeFileSync(path.join(src, 'EFI/BOOT/grub.cfg'), 'set timeout=5\nmenuentry "Hyperscale test" { linux /vmlinuz }\n')
  writeFileSync(path.join(src, 'README.txt'), `test image ${Date.now()}\n`)
  const iso = path.join(dir, 'test.iso')
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'HSC_TEST', '-J', '-R', '-o', iso, src], { stdio: 'pipe' })
  return iso
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** A sparse backing file of `bytes`, attached through UDisks2 (as a desktop user would). */
export function loopSetup(file: string, bytes?: number): string {
  if (bytes !== undefined) execFileSync('truncate', ['-s', String(bytes), file])
  // Test files run in parallel: two loop-setups can be handed the same free loop device, and
  // the loser gets EBUSY from the kernel. That is contention between tests, so it is retried.
  let out: string
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync('udisksctl', ['loop-setup', '-f', file, '--no-user-interaction'], { encoding: 'utf8' })
    out = r.stdout + r.stderr
    if (r.status === 0) break
    // Under load udisksd can give up waiting for udev after it attached the file: the device is
    // ours (its backing file says so) and UDisks2 lists it once udev's event arrives.
    const late = /waiting for loop object after creating '(\/dev\/loop\d+)'/.exec(out)
    if (late && backingFile(late[1]) === realpathSync(file)) return awaitUdisksObject(late[1], out)
    // The error names the contested device too: never take it for ours. A device udisksd gave
    // up on and detached again (no longer backed by our file) is tried anew, like a busy one.
    if (attempt === 6 || !(/resource busy/i.test(out) || late)) throw new Error(`udisksctl loop-setup said: ${out}`)
    sleepSync(late ? 1000 : 50 * attempt)
  }
  const m = /(\/dev\/loop\d+)/.exec(out)
  if (!m) throw new Error(`udisksctl loop-setup said: ${out}`)
  execFileSync('udevadm', ['settle', '--timeout=10'])
  return m[1]
}

function backingFile(dev: string): string | undefined {
  try {
    return readFileSync(`/sys/block/${path.basename(dev)}/loop/backing_file`, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** Waits (up to 30 s) until UDisks2 has an object for `dev`, nudging udev once. */
function awaitUdisksObject(dev: string, said: string): string {
  execFileSync('udevadm', ['settle', '--timeout=10'])
  for (let i = 0; i < 60; i++) {
    if (spawnSync('udisksctl', ['info', '-b', dev], { stdio: 'ignore' }).status === 0) return dev
    if (i === 10) spawnSync('udevadm', ['trigger', '--action=change', dev], { stdio: 'ignore' })
    sleepSync(500)
  }
  loopDelete(dev)
  throw new Error(`udisksctl loop-setup said: ${said}; UDisks2 still had no object for ${dev} 30 s later`)
}

export function loopDelete(dev: string): void {
  spawnSync('udisksctl', ['loop-delete', '-b', dev, '--no-user-interaction'], { stdio: 'ignore' })
  spawnSync('losetup', ['-d', dev], { stdio: 'ignore' })
}

/** cmp exit status: 0 when the first `bytes` of both are identical. */
export function cmpPrefix(a: string, b: string, bytes: number): { same: boolean; output: string } {
  const r = spawnSync('cmp', ['-n', String(bytes), a, b], { encoding: 'utf8' })
  return { same: r.status === 0, output: (r.stdout + r.stderr).trim() }
}

export function readHead(dev: string, bytes: number): Buffer {
  return execFileSync('dd', [`if=${dev}`, 'bs=1M', `count=${Math.ceil(bytes / 1048576)}`, 'iflag=direct', 'status=none'], { maxBuffer: bytes + 1024 }).subarray(
    0,
    bytes
  )
}

/** Blocks the thread (used by the write observer to stretch a write over time). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** How long until `file`'s last change is older than the image digests' racy window, so a digest taken of it is kept. */
export function msUntilDigestKept(file: string): number {
  return Math.max(0, statSync(file).ctimeMs + RACY_MS + 100 - Date.now())
}

/** Flips the bits of `mask` in the byte at `at` of `file`, behind any device's back (a flash cell that did not keep its value). */
export function flipBits(file: string, at: number, mask: number): void {
  const fd = openSync(file, 'r+')
  try {
    const b = Buffer.alloc(1)
    readSync(fd, b, 0, 1, at)
    writeSync(fd, Buffer.from([b[0] ^ mask]), 0, 1, at)
  } finally {
    closeSync(fd)
  }
}
