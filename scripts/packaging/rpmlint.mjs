// Runs rpmlint on the spec and the built packages with the project's configuration and reads
// its summary line ("N packages and M specfiles checked; E errors, W warnings, ...").
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * The desktop package's resources/app points into the cli package, which rpmlint cannot see;
 * it accepts such a link when the package requires the one that owns the target. The required
 * name carries the architecture (%{?_isa}), so this part of the configuration is per build.
 */
function danglingAppLink(isa) {
  return `[DanglingSymlinkExceptions."cli-app-tree"]
path = "/lib/node_modules/hyperscale-companion$"
name = "hyperscale-companion-cli${isa}"
`
}

/** @returns {{ errors: number, warnings: number, filtered: number, output: string }} */
export function runRpmlint({ spec, rpms, config, isa }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-rpmlint-'))
  try {
    copyFileSync(config, path.join(dir, '10-project.toml'))
    writeFileSync(path.join(dir, '20-arch.toml'), danglingAppLink(isa))
    const r = spawnSync('rpmlint', ['--config', dir, spec, ...rpms], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
      maxBuffer: 64 * 1024 * 1024
    })
    if (r.error) throw new Error(`cannot run rpmlint (${r.error.message}): install it (Debian package rpmlint)`)
    const output = `${r.stdout}${r.stderr}`
    const m = /(\d+) errors?, (\d+) warnings?(?:, (\d+) filtered)?/.exec(output)
    if (!m) throw new Error(`rpmlint printed no summary (exit ${r.status}):\n${output}`)
    return { errors: Number(m[1]), warnings: Number(m[2]), filtered: Number(m[3] ?? 0), output }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
