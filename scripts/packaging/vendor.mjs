// The production node_modules tree the RPM bundles, decided by package-lock.json (not by what
// happens to lie in node_modules): every package not marked dev or devOptional. Offline: it is
// copied from an installed node_modules, the way Fedora's nodejs-packaging-bundler tars one.
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/** @typedef {{ name: string, version: string, dir: string, license: string, link?: string, optional: boolean }} VendoredPackage */

/**
 * Licence expressions for packages whose package.json has no SPDX `license` field, read from
 * their licence files; a package missing here and in its package.json stops the build.
 */
const LICENSE_FROM_FILE = {
  jsbi: 'Apache-2.0', // LICENSE: Apache License 2.0
  'map-stream': 'MIT' // LICENCE: the MIT text
}
/** Non-SPDX spellings found in package.json files, as SPDX. */
const SPDX = { 'MIT/X11': 'MIT', 'LGPL-3.0+': 'LGPL-3.0-or-later', Apache2: 'Apache-2.0' }

function licenseOf(name, pkg) {
  const raw = pkg.license ?? pkg.licenses
  const one = (l) => {
    const s = typeof l === 'string' ? l : l?.type
    return s ? (SPDX[s] ?? s) : undefined
  }
  if (Array.isArray(raw) && raw.length) {
    const parts = raw.map(one)
    if (parts.every(Boolean)) return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`
  } else if (one(raw)) return one(raw)
  if (LICENSE_FROM_FILE[name]) return LICENSE_FROM_FILE[name]
  throw new Error(`${name}: no licence in its package.json; read its licence file and add it to LICENSE_FROM_FILE in scripts/packaging/vendor.mjs`)
}

/** Top-level production packages from the lock file (nested ones travel inside their parent). */
export function productionPackages(projectDir, nodeModulesDir) {
  const lock = JSON.parse(readFileSync(path.join(projectDir, 'package-lock.json'), 'utf8'))
  /** @type {VendoredPackage[]} */
  const out = []
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/') || entry.dev || entry.devOptional) continue
    const name = key.slice('node_modules/'.length)
    const nested = name.includes('/node_modules/')
    const dir = entry.link ? path.join(projectDir, entry.resolved) : path.join(nodeModulesDir, name)
    if (!existsSync(path.join(dir, 'package.json'))) {
      if (entry.optional) continue
      throw new Error(`${name} is a production dependency but ${dir} is missing: run \`npm ci\` first`)
    }
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
    if (nested) {
      // Still checked for its licence; copied as part of its parent.
      out.push({
        name,
        version: pkg.version,
        dir,
        license: licenseOf(name.split('/node_modules/').pop(), pkg),
        optional: !!entry.optional,
        nestedIn: name.split('/node_modules/')[0]
      })
      continue
    }
    out.push({
      name,
      version: pkg.version ?? '0',
      dir,
      license: licenseOf(name, pkg),
      optional: !!entry.optional,
      ...(entry.link ? { link: entry.resolved } : {})
    })
  }
  return out
}

/**
 * What never enters the source tarball: build outputs and prebuilt binaries (the spec compiles
 * native modules for the distribution's Node.js, and Fedora forbids prebuilt binaries in
 * sources), node-pty's Windows-only sources (winpty, ConPTY), and source maps.
 */
function vendored(rel) {
  const parts = rel.split(path.sep)
  if (parts[0] === 'build' || parts[0] === '.bin' || parts.includes('prebuilds')) return false
  if (/\.(node|dll|exe|pdb|dylib|map)$/.test(rel)) return false
  return true
}
const WINDOWS_ONLY = { 'node-pty': ['deps', 'third_party'] }

/** Copies the packages into DEST/node_modules_prod. */
export function stageNodeModules(packages, dest) {
  const root = path.join(dest, 'node_modules_prod')
  mkdirSync(root, { recursive: true })
  for (const p of packages) {
    if (p.nestedIn) continue
    const target = path.join(root, p.name)
    mkdirSync(path.dirname(target), { recursive: true })
    cpSync(p.dir, target, {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = path.relative(p.dir, src)
        return rel === '' || (vendored(rel) && !(WINDOWS_ONLY[p.name] ?? []).includes(rel.split(path.sep)[0]))
      }
    })
  }
  return root
}

/** Splits an SPDX expression at its top-level ANDs. */
export function spdxTerms(expression) {
  const terms = []
  let depth = 0
  let start = 0
  const s = expression.trim()
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++
    else if (s[i] === ')') depth--
    else if (depth === 0 && s.startsWith(' AND ', i)) {
      terms.push(s.slice(start, i).trim())
      start = i + 5
    }
  }
  terms.push(s.slice(start).trim())
  return terms
}

/** Licences of bundled packages that the spec's License: tag does not name. */
export function missingLicenses(packages, specLicense) {
  const named = new Set(spdxTerms(specLicense))
  return [...new Set(packages.map((p) => p.license))]
    .filter((l) => !named.has(l))
    .map(
      (l) =>
        `${l} (${packages
          .filter((p) => p.license === l)
          .map((p) => p.name)
          .join(', ')})`
    )
}
