// Runs rpmlint on the spec and the built packages with the project's filter file and reads
// its summary line ("N packages and M specfiles checked; E errors, W warnings, F filtered, ...").
import { spawnSync } from 'node:child_process'

/** @returns {{ errors: number, warnings: number, filtered: number, output: string }} */
export function runRpmlint({ spec, rpms, config }) {
  const r = spawnSync('rpmlint', ['--config', config, spec, ...rpms], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' }, maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw new Error(`cannot run rpmlint (${r.error.message}): install it (Debian package rpmlint)`)
  const output = `${r.stdout}${r.stderr}`
  const m = /(\d+) errors?, (\d+) warnings?(?:, (\d+) filtered)?/.exec(output)
  if (!m) throw new Error(`rpmlint printed no summary (exit ${r.status}):\n${output}`)
  return { errors: Number(m[1]), warnings: Number(m[2]), filtered: Number(m[3] ?? 0), output }
}
