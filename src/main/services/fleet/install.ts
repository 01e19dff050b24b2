import path from 'node:path'
import type { CommandRunner } from '../system/command'

/** Every file `hsc facts install` writes starts with this line; uninstall removes only such files. */
export const MANAGED_MARKER = '# hsc-managed: hyperscale-companion'
const INSTALLED = '# hsc-installed: '

export const FACT_FILE = 'hyperscale.fact'
export const PROM_FILE = 'hyperscale.prom'
export const UNIT_NAME = 'hyperscale-companion-textfile'
export const DEFAULT_FACTS_DIR = '/etc/ansible/facts.d'
export const DEFAULT_UNIT_DIR = '/etc/systemd/system'

/**
 * Paths end up in a shell script and in a unit's ExecStart=, so only plain characters pass:
 * no quotes, spaces, $, % (a systemd specifier), backslashes or newlines. Refusing is safer
 * than quoting for two different parsers.
 */
const SAFE_PATH = /^\/[A-Za-z0-9._+@:,=/-]*$/

export function checkPath(what: string, p: string): string {
  if (!path.isAbsolute(p)) throw Object.assign(new Error(`${what} must be an absolute path, not "${p}"`), { name: 'UsageError' })
  const n = path.normalize(p)
  if (!SAFE_PATH.test(n)) {
    throw Object.assign(
      new Error(`${what} "${p}" has characters that cannot go into a fact script or a systemd unit; use a path of letters, digits and . _ + @ : , = / -`),
      { name: 'UsageError' }
    )
  }
  return n.length > 1 ? n.replace(/\/$/, '') : n
}

export interface InstallOptions {
  /** Absolute path of the node binary that runs hsc (process.execPath). */
  node: string
  /** Absolute path of the installed hsc entry (bin/hsc.cjs, symlinks resolved). */
  hsc: string
  factsDir: string
  /** The node-exporter textfile directory; adds the timer + service when set. */
  prometheusDir?: string
  unitDir: string
  /** Bake `--root DIR` into the fact and the unit (a mounted image; tests). */
  root?: string
}

export interface PlannedFile {
  path: string
  content: string
  mode: number
}

export interface InstallPlan {
  files: PlannedFile[]
  factPath: string
  promPath?: string
  /** The refresh command the service runs (argv). */
  refreshArgv?: string[]
  timer?: string
}

const sh = (s: string): string => `'${s}'`

export function planInstall(o: InstallOptions): InstallPlan {
  const node = checkPath('the node binary', o.node)
  const hsc = checkPath('the hsc entry point', o.hsc)
  const factsDir = checkPath('--dir', o.factsDir)
  const root = o.root !== undefined ? checkPath('--fact-root', o.root) : undefined
  const rootArgs = root ? ['--root', root] : []
  const factPath = path.join(factsDir, FACT_FILE)
  const files: PlannedFile[] = []
  const installed: string[] = []
  const plan: InstallPlan = { files, factPath }

  if (o.prometheusDir !== undefined) {
    const promDir = checkPath('--prometheus', o.prometheusDir)
    const unitDir = checkPath('--unit-dir', o.unitDir)
    const promPath = path.join(promDir, PROM_FILE)
    const service = path.join(unitDir, `${UNIT_NAME}.service`)
    const timer = path.join(unitDir, `${UNIT_NAME}.timer`)
    const refreshArgv = [node, hsc, 'facts', 'show', '--format', 'prometheus', '--output', promPath, ...rootArgs]
    plan.promPath = promPath
    plan.refreshArgv = refreshArgv
    plan.timer = `${UNIT_NAME}.timer`
    files.push({
      path: service,
      mode: 0o644,
      content: [
        MANAGED_MARKER,
        '# Written by `hsc facts install --prometheus`; `hsc facts uninstall` removes it.',
        '[Unit]',
        `Description=Hyperscale Companion: refresh the Prometheus textfile ${promPath}`,
        'After=local-fs.target',
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${refreshArgv.join(' ')}`,
        'Nice=10',
        'IOSchedulingClass=idle',
        'NoNewPrivileges=yes',
        'PrivateTmp=yes',
        'ProtectHome=read-only',
        'ProtectSystem=full',
        `ReadWritePaths=${promDir}`,
        ''
      ].join('\n')
    })
    files.push({
      path: timer,
      mode: 0o644,
      content: [
        MANAGED_MARKER,
        '# Written by `hsc facts install --prometheus`; `hsc facts uninstall` removes it.',
        '[Unit]',
        `Description=Hyperscale Companion: refresh ${promPath} every 5 minutes`,
        '',
        '[Timer]',
        'OnBootSec=1min',
        'OnUnitActiveSec=5min',
        'RandomizedDelaySec=30s',
        '',
        '[Install]',
        'WantedBy=timers.target',
        ''
      ].join('\n')
    })
    installed.push(service, timer, promPath)
  }

  files.unshift({
    path: factPath,
    mode: 0o755,
    content: [
      '#!/bin/sh',
      MANAGED_MARKER,
      '# Ansible local fact (ansible_local.hyperscale): the inspector report plus the Hyperscale',
      '# repository and package state as one JSON object. `hsc facts uninstall` removes it and',
      '# the files listed below. Absolute paths: Ansible runs facts with a minimal PATH.',
      ...installed.map((p) => INSTALLED + p),
      `exec ${[node, hsc, '--no-color', 'facts', 'show', ...rootArgs].map(sh).join(' ')}`,
      ''
    ].join('\n')
  })
  return plan
}

/** The extra files a fact script says it installed (only lines in our own format, only safe paths). */
export function installedBy(factScript: string): string[] {
  return factScript
    .split('\n')
    .filter((l) => l.startsWith(INSTALLED))
    .map((l) => l.slice(INSTALLED.length).trim())
    .filter((p) => SAFE_PATH.test(p) && path.normalize(p) === p && [`${UNIT_NAME}.service`, `${UNIT_NAME}.timer`, PROM_FILE].includes(path.basename(p)))
}

export const isManaged = (text: string | undefined): boolean => text !== undefined && text.split('\n').slice(0, 3).includes(MANAGED_MARKER)

/** The .prom file carries no marker line (it is rewritten every run); our metric names identify it. */
export const isOurProm = (text: string | undefined): boolean => text !== undefined && text.includes('hyperscale_companion_schema_info')

/** System access of install/uninstall, injected. */
export interface InstallIo {
  readText(p: string): Promise<string | undefined>
  mkdirp(dir: string): Promise<void>
  write(p: string, content: string, mode: number): Promise<void>
  remove(p: string): Promise<void>
  run: CommandRunner
  /** True when systemd runs as PID 1 (/run/systemd/system exists on the live system). */
  systemdRunning(): Promise<boolean>
}

export interface InstallResult {
  written: string[]
  /** What was done with the timer: started, or the command to run by hand and why. */
  timer?: { started: boolean; note: string }
}

export class RefusedError extends Error {
  override name = 'RefusedError'
}

export async function applyInstall(plan: InstallPlan, o: { unitDir: string }, io: InstallIo): Promise<InstallResult> {
  const existing = await io.readText(plan.factPath)
  if (existing !== undefined && !isManaged(existing)) {
    throw new RefusedError(`${plan.factPath} exists and was not written by hsc; left as it is. Move it away, then run hsc facts install again.`)
  }
  for (const f of plan.files.slice(1)) {
    const cur = await io.readText(f.path)
    if (cur !== undefined && !isManaged(cur)) throw new RefusedError(`${f.path} exists and was not written by hsc; left as it is.`)
  }
  const result: InstallResult = { written: [] }
  // Units first, the fact last: the fact lists the units, so uninstall can always find them.
  for (const f of [...plan.files.slice(1), plan.files[0]]) {
    await io.mkdirp(path.dirname(f.path))
    await io.write(f.path, f.content, f.mode)
    result.written.push(f.path)
  }
  if (plan.timer) {
    const hand = `systemctl daemon-reload && systemctl enable --now ${plan.timer}`
    if (path.normalize(o.unitDir) !== DEFAULT_UNIT_DIR)
      result.timer = { started: false, note: `units written to ${o.unitDir}, not ${DEFAULT_UNIT_DIR}: start the timer where systemd reads them (${hand})` }
    else if (!(await io.systemdRunning())) result.timer = { started: false, note: `systemd is not running here; once it is: ${hand}` }
    else {
      const reload = await io.run(['systemctl', 'daemon-reload'])
      const enable = reload.code === 0 ? await io.run(['systemctl', 'enable', '--now', plan.timer]) : reload
      result.timer =
        enable.code === 0
          ? { started: true, note: `${plan.timer} enabled and started` }
          : {
              started: false,
              note: `systemctl failed (${(enable.stderr.trim().split('\n').pop() || enable.spawnError) ?? `exit ${enable.code}`}); run: ${hand}`
            }
    }
  }
  return result
}

export interface UninstallResult {
  removed: string[]
  /** Files listed by the fact but left alone, with the reason. */
  kept: Array<{ path: string; why: string }>
  nothing: boolean
}

export async function applyUninstall(factsDir: string, io: InstallIo): Promise<UninstallResult> {
  const factPath = path.join(checkPath('--dir', factsDir), FACT_FILE)
  const script = await io.readText(factPath)
  if (script === undefined) return { removed: [], kept: [], nothing: true }
  if (!isManaged(script)) throw new RefusedError(`${factPath} was not written by hsc; left as it is.`)
  const result: UninstallResult = { removed: [], kept: [], nothing: false }
  const listed = installedBy(script)
  const timer = listed.find((p) => p.endsWith('.timer'))
  if (timer && path.dirname(timer) === DEFAULT_UNIT_DIR && (await io.systemdRunning())) {
    await io.run(['systemctl', 'disable', '--now', path.basename(timer)])
  }
  for (const p of listed) {
    const text = await io.readText(p)
    if (text === undefined) continue
    const ours = p.endsWith('.prom') ? isOurProm(text) : isManaged(text)
    if (!ours) {
      result.kept.push({ path: p, why: 'not written by hsc' })
      continue
    }
    await io.remove(p)
    result.removed.push(p)
  }
  await io.remove(factPath)
  result.removed.push(factPath)
  if (timer && path.dirname(timer) === DEFAULT_UNIT_DIR && (await io.systemdRunning())) await io.run(['systemctl', 'daemon-reload'])
  return result
}
