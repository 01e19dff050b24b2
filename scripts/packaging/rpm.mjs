#!/usr/bin/env node
// `npm run rpm`: builds the RPMs from packaging/rpm/hyperscale-companion.spec with rpmbuild,
// offline, then lints spec and packages with rpmlint. The desktop package is built too when
// the Electron release archive is at hand (--electron-zip, $HSC_ELECTRON_ZIP, or Electron's
// download cache).
//
//   node scripts/packaging/rpm.mjs [--project DIR] [--node-modules DIR] [--outdir DIR]
//                                  [--electron-zip FILE] [--no-lint] [--json]
//
// Expects `npm run build` to have made out/ (npm run rpm does that first).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { missingLicenses, productionPackages, stageNodeModules } from './vendor.mjs'
import { runRpmlint } from './rpmlint.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: opts } = parseArgs({
  options: {
    project: { type: 'string', default: path.resolve(here, '../..') },
    'node-modules': { type: 'string' },
    outdir: { type: 'string' },
    'electron-zip': { type: 'string' },
    'no-lint': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false }
  }
})
const project = path.resolve(opts.project)
const nodeModules = path.resolve(opts['node-modules'] ?? path.join(project, 'node_modules'))
const outdir = path.resolve(opts.outdir ?? path.join(project, 'dist/rpm'))
const specPath = path.join(project, 'packaging/rpm/hyperscale-companion.spec')
const t0 = Date.now()
const log = (msg) => process.stderr.write(`rpm: [${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`)

function fail(what, why, todo) {
  process.stderr.write(`npm run rpm: ${what}: ${why}.\n${todo ? `${todo}\n` : ''}`)
  process.exit(1)
}

function run(argv, options = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options })
  if (r.error) fail(`cannot run ${argv[0]}`, r.error.message, `Install it (Debian: see .ci/apt-packages.txt).`)
  return r
}

const rpmEval = (expr) => run(['rpm', '--eval', expr]).stdout.trim()

const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'))
const spec = readFileSync(specPath, 'utf8')
const specVersion = /^Version:\s*(\S+)/m.exec(spec)?.[1]
if (specVersion !== pkg.version)
  fail(
    'the spec is out of date',
    `it says Version ${specVersion}, package.json says ${pkg.version}`,
    `Update Version (and %changelog) in ${path.relative(project, specPath)}.`
  )

// What the spec installs must exist: out/ from `npm run build`, and the root helper with its
// polkit action (a separate piece of work; without it the package would be incomplete).
const required = [
  ['out/cli/hsc.cjs', 'run `npm run build` first'],
  ['out/renderer/index.html', 'run `npm run build` first'],
  ['LICENSE', 'the licence file is part of every package'],
  ['libexec/hsc-root-helper', 'the root helper launcher for configuration writes'],
  ['out/root-helper/hsc-root-helper.mjs', 'the bundled root helper (`npm run build` makes it from src/root-helper/)'],
  ['packaging/polkit/org.centos.hyperscale.companion.policy', 'the polkit action for the root helper']
]
const missing = required.filter(([f]) => !existsSync(path.join(project, f)))
if (missing.length) fail('files the spec installs are missing', missing.map(([f, why]) => `${f} (${why})`).join('; '), 'Nothing was built.')

let packages
try {
  packages = productionPackages(project, nodeModules)
} catch (err) {
  fail('cannot collect the production node_modules', err.message.replace(/\.$/, ''))
}
const specLicense = /^License:\s*(.+)$/m.exec(spec)?.[1] ?? ''
const unlisted = missingLicenses(packages, specLicense)
if (unlisted.length) fail("the spec's License: tag misses bundled licences", unlisted.join('; '), 'Add them to License: in the spec (SPDX).')

// The Electron archive: only when given or already downloaded, never fetched here.
const electronVersion = /^%global electron_version\s+(\S+)/m.exec(spec)?.[1]
const installedElectron = (() => {
  try {
    return JSON.parse(readFileSync(path.join(nodeModules, 'electron/package.json'), 'utf8')).version
  } catch {
    return undefined
  }
})()
if (installedElectron && installedElectron !== electronVersion) {
  fail(
    'the spec is out of date',
    `electron_version is ${electronVersion} but package.json pins Electron ${installedElectron}`,
    `Update %global electron_version in ${path.relative(project, specPath)}.`
  )
}
const electronArch = process.arch === 'arm64' ? 'arm64' : 'x64'
const electronZipName = `electron-v${electronVersion}-linux-${electronArch}.zip`
function findElectronZip() {
  const given = opts['electron-zip'] ?? process.env.HSC_ELECTRON_ZIP
  if (given) {
    if (!existsSync(given))
      fail(
        'the Electron archive is missing',
        `${given} does not exist`,
        `Download ${electronZipName} from https://github.com/electron/electron/releases/tag/v${electronVersion}.`
      )
    if (path.basename(given) !== electronZipName) fail('wrong Electron archive', `${path.basename(given)} is not ${electronZipName}`)
    return given
  }
  const cache = process.env.electron_config_cache ?? path.join(os.homedir(), '.cache/electron')
  if (!existsSync(cache)) return undefined
  for (const entry of readdirSync(cache, { withFileTypes: true })) {
    const candidate = entry.isDirectory() ? path.join(cache, entry.name, electronZipName) : path.join(cache, entry.name)
    if (path.basename(candidate) === electronZipName && existsSync(candidate)) return candidate
  }
  return undefined
}
const electronZip = findElectronZip()

const started = Date.now()
const topdir = mkdtempSync(path.join(os.tmpdir(), 'hsc-rpmbuild-'))
try {
  const sources = path.join(topdir, 'SOURCES')
  mkdirSync(sources, { recursive: true })
  const nv = `${pkg.name}-${pkg.version}`

  // Source0: the release tarball. Source maps and the locally built add-on stay out.
  const include = [
    'package.json',
    'package-lock.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'CONTRIBUTING.md',
    'bin',
    'out',
    'resources',
    'native',
    'libexec',
    'packaging',
    'scripts/packaging',
    'scripts/start-electron.mjs',
    'src',
    'docs',
    'tsconfig.json',
    'tsconfig.node.json',
    'tsconfig.web.json',
    'electron.vite.config.ts',
    'electron-builder.yml'
  ].filter((f) => existsSync(path.join(project, f)))
  log(`Source0 ${nv}.tar.gz`)
  let r = run([
    'tar',
    '-czf',
    path.join(sources, `${nv}.tar.gz`),
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--exclude=*.map',
    '--exclude=native/usocket/build',
    `--transform=s,^,${nv}/,`,
    '-C',
    project,
    ...include
  ])
  if (r.status !== 0) fail('cannot make the source tarball', r.stderr.trim())

  // Source1: the production node_modules (Fedora's "-nm-prod" tarball).
  log(`Source1 ${nv}-nm-prod.tar.gz (${packages.filter((p) => !p.nestedIn).length} packages)`)
  const staging = path.join(topdir, 'nm')
  stageNodeModules(packages, staging)
  r = run(['tar', '-czf', path.join(sources, `${nv}-nm-prod.tar.gz`), '--owner=0', '--group=0', '--numeric-owner', '-C', staging, 'node_modules_prod'])
  if (r.status !== 0) fail('cannot make the node_modules tarball', r.stderr.trim())
  rmSync(staging, { recursive: true, force: true })
  if (electronZip) {
    log(`Source2 ${electronZipName}: building the desktop package too`)
    copyFileSync(electronZip, path.join(sources, electronZipName))
  } else log(`no ${electronZipName}: building the cli package only`)

  // --nodeps: BuildRequires name Fedora/CentOS packages, which Debian's rpm database does not
  // know; .ci/apt-packages.txt installs their Debian equivalents.
  // bash as the build shell, as on Fedora: Debian's /bin/sh is dash, and Debian's brp-compress
  // (#!/bin/sh, but `read -d`) only works under bash, so man pages would stay uncompressed.
  const bash = ['--define', '_buildshell /bin/bash', '--define', `__brp_compress /bin/bash ${rpmEval('%{_rpmconfigdir}')}/brp-compress %{?_prefix}`]
  const argv = ['rpmbuild', '-ba', '--nodeps', '--define', `_topdir ${topdir}`, ...bash, ...(electronZip ? ['--with', 'electron'] : []), specPath]
  log(argv.join(' '))
  r = run(argv, { env: { ...process.env, LC_ALL: 'C.UTF-8' } })
  mkdirSync(outdir, { recursive: true })
  writeFileSync(path.join(outdir, 'rpmbuild.log'), `${r.stdout}\n${r.stderr}`)
  if (r.status !== 0) {
    process.stderr.write(`${r.stderr.split('\n').slice(-25).join('\n')}\n`)
    fail('rpmbuild failed', `exit ${r.status}`, `Full log: ${path.join(outdir, 'rpmbuild.log')}`)
  }

  const built = []
  for (const sub of ['RPMS', 'SRPMS']) {
    const dir = path.join(topdir, sub)
    if (!existsSync(dir)) continue
    const walk = (d) =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.rpm') ? [path.join(d, e.name)] : []
      )
    for (const f of walk(dir)) {
      const dest = path.join(outdir, path.basename(f))
      copyFileSync(f, dest)
      built.push(dest)
    }
  }
  const seconds = (Date.now() - started) / 1000
  log(`built in ${seconds.toFixed(1)} s: ${built.map((f) => path.relative(project, f)).join(', ')}`)

  let lint
  if (!opts['no-lint']) {
    log('rpmlint')
    try {
      lint = runRpmlint({ spec: specPath, rpms: built, config: path.join(project, 'packaging/rpm/rpmlint.toml'), isa: rpmEval('%{_isa}') })
    } catch (err) {
      fail('rpmlint did not run', err.message)
    }
    process.stderr.write(lint.output)
    if (lint.errors > 0 || lint.warnings > 0) {
      fail(
        'rpmlint found problems',
        `${lint.errors} errors, ${lint.warnings} warnings`,
        'Fix them, or, for a warning that does not apply, add a filter with its reason to packaging/rpm/rpmlint.toml.'
      )
    }
  }
  const summary = {
    rpms: built.filter((f) => !f.endsWith('.src.rpm')),
    srpm: built.find((f) => f.endsWith('.src.rpm')),
    electron: !!electronZip,
    seconds,
    lint: lint && { errors: lint.errors, warnings: lint.warnings, filtered: lint.filtered }
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  for (const f of summary.rpms) if (statSync(f).size === 0) fail('an empty package', f)
} finally {
  rmSync(topdir, { recursive: true, force: true })
}
