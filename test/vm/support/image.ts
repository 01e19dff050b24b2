import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PROJECT_ROOT } from '../../support/paths'

export const VM_SCRIPTS = path.join(PROJECT_ROOT, 'scripts/vm')
/** What the guest image is made from: a change to any of these rebuilds it. */
const KEY_FILES = ['packages.txt', 'build-guest.sh', 'init.sh']

const onPath = (tool: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0

/** Why the VM tier cannot run here, or undefined when it can. */
export function vmSkipReason(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux (mmdebstrap and mkfs.ext4 -d build the guest as root)'
  const missing = ['qemu-system-x86_64', 'mmdebstrap', 'busybox', 'mkfs.ext4', 'apt-get', 'dpkg-deb'].filter((t) => !onPath(t))
  if (missing.length) return `${missing.join(', ')} not installed (apt-get install qemu-system-x86 mmdebstrap busybox-static; see .ci/apt-packages.txt)`
  return undefined
}

export function guestCacheKey(): string {
  const h = createHash('sha256')
  for (const f of KEY_FILES)
    h.update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(VM_SCRIPTS, f)))
      .update('\0')
  return h.digest('hex').slice(0, 16)
}

export function cacheRoot(): string {
  return process.env.HSC_VM_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'hyperscale-companion-vm')
}

const complete = (dir: string): boolean => ['vmlinuz', 'initrd.img', 'rootfs.img'].every((f) => fs.existsSync(path.join(dir, f)))

/**
 * The guest image for the current scripts: reused from the cache, else built from Debian
 * packages (build-guest.sh) into a temporary directory and renamed into place, so an
 * interrupted build never looks like a cached one. Older keys are removed.
 */
export function ensureGuestImage(log: (line: string) => void): { dir: string; cached: boolean; seconds: number } {
  const root = cacheRoot()
  const key = guestCacheKey()
  const dir = path.join(root, key)
  if (complete(dir)) return { dir, cached: true, seconds: 0 }
  fs.mkdirSync(root, { recursive: true })
  // Two VM test files start in parallel on a fresh machine: one builds, the other waits for it.
  const lock = path.join(root, `${key}.lock`)
  const t0 = Date.now()
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > 30 * 60_000) fs.rmSync(lock, { recursive: true, force: true })
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000)
      if (complete(dir)) return { dir, cached: false, seconds: (Date.now() - t0) / 1000 }
    }
  }
  try {
    if (complete(dir)) return { dir, cached: true, seconds: 0 }
    return buildGuestImage(root, key, dir, log)
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

function buildGuestImage(root: string, key: string, dir: string, log: (line: string) => void): { dir: string; cached: boolean; seconds: number } {
  const tmp = fs.mkdtempSync(path.join(root, `${key}.build-`))
  const t0 = Date.now()
  const r = spawnSync('bash', [path.join(VM_SCRIPTS, 'build-guest.sh'), tmp], { encoding: 'utf8', timeout: 15 * 60_000 })
  log(r.stdout + r.stderr)
  if (r.status !== 0 || !complete(tmp)) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw new Error(`build-guest.sh failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${(r.stdout + r.stderr).slice(-3000)}`)
  }
  fs.rmSync(dir, { recursive: true, force: true })
  fs.renameSync(tmp, dir)
  for (const old of fs.readdirSync(root)) {
    if (old !== key && /^[0-9a-f]{16}$/.test(old)) fs.rmSync(path.join(root, old), { recursive: true, force: true })
  }
  return { dir, cached: false, seconds: (Date.now() - t0) / 1000 }
}

/** The runtime dependencies of the app (package.json "dependencies", transitively) as directories. */
function runtimePackages(): string[] {
  const found = new Set<string>()
  const visit = (fromDir: string, name: string): void => {
    // Node's lookup: the nearest node_modules/<name> walking up from the requiring package.
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name)
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        if (found.has(candidate)) return
        found.add(candidate)
        const pkg = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
        for (const dep of Object.keys(pkg.dependencies ?? {})) visit(candidate, dep)
        return
      }
      if (dir === PROJECT_ROOT || dir === path.dirname(dir)) throw new Error(`runtime dependency ${name} not found from ${fromDir}`)
    }
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  for (const dep of Object.keys(pkg.dependencies)) visit(PROJECT_ROOT, dep)
  return [...found]
}

/**
 * The second guest disk (/opt/hsc): this host's node binary (Debian 12's glibc matches the
 * guest's), the built CLI with its runtime node_modules (native builds included) and the
 * guest-side checks. Built per run, because it is this commit's app.
 */
export function buildAppImage(work: string): string {
  const out = path.join(PROJECT_ROOT, 'out/cli/hsc.cjs')
  if (!fs.existsSync(out)) throw new Error('out/cli is missing: run `npm run build` first')
  const stage = path.join(work, 'app-stage')
  const app = path.join(stage, 'app')
  fs.mkdirSync(path.join(stage, 'bin'), { recursive: true })
  fs.copyFileSync(process.execPath, path.join(stage, 'bin/node'))
  fs.chmodSync(path.join(stage, 'bin/node'), 0o755)
  // libexec/ + out/root-helper: the root helper that writes the oomd drop-in (`hsc oomd set`).
  for (const p of ['bin', 'out/cli', 'out/root-helper', 'libexec', 'resources', 'package.json'])
    fs.cpSync(path.join(PROJECT_ROOT, p), path.join(app, p), { recursive: true, dereference: true })
  for (const dir of runtimePackages()) {
    fs.cpSync(dir, path.join(app, path.relative(PROJECT_ROOT, dir)), { recursive: true, dereference: true, filter: (src) => !src.endsWith('/.git') })
  }
  fs.cpSync(path.join(PROJECT_ROOT, 'test/vm/guest'), path.join(stage, 'guest'), { recursive: true })
  const mb = Number(spawnSync('du', ['-sm', stage], { encoding: 'utf8' }).stdout.split('\t')[0])
  const img = path.join(work, 'app.img')
  const r = spawnSync('mkfs.ext4', ['-q', '-F', '-L', 'hsc-app', '-d', stage, img, `${mb + 48}M`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`mkfs.ext4 -d for the app disk failed: ${r.stderr}`)
  fs.rmSync(stage, { recursive: true, force: true })
  return img
}
