#!/usr/bin/env node
'use strict'
// hsc's launcher: runs the CLI bundle (one CommonJS file, out/cli/hsc.cjs or a command group's
// own out/cli/hsc-GROUP.cjs, made by `npm run build`) with V8's code cache, kept per command
// in the user's cache folder. A cold `hsc inspect` used to spend more time compiling the CLI
// than running it (#15); Node 20 keeps no compiled code for ES modules, but vm.Script takes
// V8's cache. CommonJS on purpose: an ES module entry makes Node load its ESM loader first,
// ~10 % of a bare `node` start. One file on purpose: requiring a second one cost each command
// a module resolution (a package.json lookup and parse among it), ~1 % of a cold inspect.
//
// The cache is code this process runs, so it is trusted only as far as the user's own files:
// a folder and files owned by this user that nobody else may write, read without following
// links, bounded, and named after the bundle's identity (V8 itself only checks the source's
// length, so a rebuilt bundle of the same length must never meet an old cache). Anything off
// means running without a cache, never failing. HSC_CODE_CACHE=0 turns it off.
// Required rather than run (the tests, bin/hsc.mjs), it only exports its parts and `main`.
const {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync
} = require('node:fs')
const { isAscii } = require('node:buffer')
const path = require('node:path')
// The loader's own createRequire: the public node:module would load the ES module loader and
// the source-map support with it, ~0.3 ms of every command (#15).
const createRequire = module.constructor.createRequire ?? require('node:module').createRequire
const vm = require('node:vm')

/** CommonJS's function wrapper, ending in a line break so the bundle keeps its own columns. */
const WRAPPER_PREFIX = '(function (exports, require, module, __filename, __dirname) {\n'
const WRAPPER_SUFFIX = '\n})'

const MAX_CACHE_BYTES = 32 * 1024 * 1024
/** Cache files kept: one per command run lately (each is a few hundred KB). */
const KEEP_CACHES = 12

/** $HSC_CACHE_DIR/code-cache, else $XDG_CACHE_HOME/hyperscale-companion/code-cache, else ~/.cache/...; undefined when turned off. */
function codeCacheDir(env = process.env) {
  if (env.HSC_CODE_CACHE === '0') return undefined
  if (env.HSC_CACHE_DIR) return path.join(env.HSC_CACHE_DIR, 'code-cache')
  let home = env.HOME
  try {
    // node:os loads only here, for a user without $HOME.
    home ||= require('node:os').homedir()
  } catch {
    // A user without a passwd entry: no home, no cache.
  }
  const base = env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : '')
  return path.isAbsolute(base) ? path.join(base, 'hyperscale-companion', 'code-cache') : undefined
}

const isLower = (c) => c >= 97 && c <= 122
const isLowerOrDash = (c) => isLower(c) || c === 45
const isNamePart = (c) => isLowerOrDash(c) || (c >= 48 && c <= 57)

/**
 * Whether `s` has 1 to `max` characters, the first one `first`, the others `rest`. A loop, not
 * a pattern: the few short names a start looks at cost a compiled pattern each, more than
 * the whole test (#15).
 */
function shaped(s, max, first, rest = first) {
  if (s.length === 0 || s.length > max || !first(s.charCodeAt(0))) return false
  for (let i = 1; i < s.length; i++) if (!rest(s.charCodeAt(i))) return false
  return true
}

/**
 * The command a run is, for its own cache: up to two leading lower-case words after any
 * leading --flags or --flag=values ("repos-list"); --version alone and --help anywhere are their
 * own; else "other".
 * A run under --root reads a tree, not the live system, through other code: "+root" keeps
 * its compiled functions apart, so neither kind of run leaves the other a thin cache.
 * Only which compiled functions the cache holds depends on it, never what runs.
 */
function commandKey(args) {
  // --name or --name=value (a value given apart from its option ends the leading flags).
  const isFlag = (a) => {
    const eq = a.indexOf('=')
    return a.startsWith('--') && shaped(a.slice(2, eq < 0 ? a.length : eq), Infinity, isLower, isLowerOrDash)
  }
  const first = args.findIndex((a) => !isFlag(a) || a === '--version' || a === '--help')
  const rest = first < 0 ? [] : args.slice(first, first + 2)
  if (rest[0] === '--version') return 'version'
  // Help of any command runs the help code, not the command's: its own cache, or a newcomer's
  // `hsc inspect --help` would leave every later `hsc inspect` a thin one.
  if (args.includes('--help')) return 'help'
  const words = []
  for (const a of rest) {
    if (!shaped(a, 24, isLower, isLowerOrDash)) break
    words.push(a)
  }
  const underRoot = args.some((a) => a === '--root' || a.startsWith('--root='))
  return (words.length ? words.join('-') : 'other') + (underRoot ? '+root' : '')
}

/**
 * Set by the CLI (src/cli/cache-mark.ts) when a run ended on an error path: a usage error, a
 * failure. Such a run compiled little of its command, and a cache is kept only when there is
 * none, so keeping its code would leave every later run of that command compiling the rest.
 */
const NOT_TO_KEEP = Symbol.for('hsc.runNotToKeep')

/**
 * The bundle's identity: any rewrite changes its ctime, so an edit of the same length is a new
 * key. The times in milliseconds with their fraction (sub-microsecond steps): the nanosecond
 * ones of a bigint stat compiled Node's BigInt stat code for every command, only for this.
 */
function bundleSignature(st) {
  return [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs].map((n) => n.toString(36)).join('-') + `-${process.version}-${process.arch}`
}

/**
 * The bundle's bytes inside the CommonJS wrapper, and its identity, from one descriptor. The
 * file is read between the wrapper's two halves, so the script's source is made as one string:
 * joining them afterwards copied the whole bundle once more, and flattening that join again.
 * The identity is taken before and after the read: a bundle rewritten meanwhile (a build while
 * hsc starts) gives no identity, so its bytes are never paired with a cache name they do not match.
 */
function readBundle(file) {
  const fd = openSync(file, constants.O_RDONLY)
  try {
    const st = fstatSync(fd)
    const before = bundleSignature(st)
    // One byte of room past st_size, so the read that finds the end needs no second buffer, and
    // room for the code cache, which is read into the same buffer once the source is made of it
    // (readCache): a page is only ever touched once, and each first touch costs (#15). Pages
    // nothing is read into are never touched, so the room is free.
    const wanted = WRAPPER_PREFIX.length + Number(st.size) + 1 + WRAPPER_SUFFIX.length
    let bytes = Buffer.allocUnsafe(wanted + (wanted >> 1))
    let at = WRAPPER_PREFIX.length
    for (;;) {
      if (at === bytes.length - WRAPPER_SUFFIX.length) {
        const bigger = Buffer.allocUnsafe(bytes.length * 2)
        bytes.copy(bigger, 0, 0, at)
        bytes = bigger
      }
      const n = readSync(fd, bytes, at, bytes.length - WRAPPER_SUFFIX.length - at, null)
      if (n === 0) break
      at += n
    }
    bytes.latin1Write(WRAPPER_PREFIX, 0)
    bytes.latin1Write(WRAPPER_SUFFIX, at)
    const after = bundleSignature(fstatSync(fd))
    return { bytes: bytes.subarray(0, at + WRAPPER_SUFFIX.length), room: bytes, signature: before === after ? before : undefined }
  } finally {
    closeSync(fd)
  }
}

const ownedPrivately = (st) => st.uid === process.geteuid() && (st.mode & 0o022) === 0

/** The cache folder, made 0700 when missing; undefined unless it is this user's and only theirs. */
function privateDir(dir) {
  try {
    // Made only when missing: a recursive mkdir of a folder that is there costs each start a walk.
    let st = lstatSync(dir, { throwIfNoEntry: false })
    if (!st) {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      st = lstatSync(dir)
    }
    return st.isDirectory() && ownedPrivately(st) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * A cache is kept twice. The first run of a command compiles what only a first run does (its
 * kept answers are made then: the kernel config inflated and parsed), so its cache, kept
 * owner-read-only (0400), is replaced once by the next run's, kept for good (0600), which holds
 * what every later run compiles; with a first run's, those runs compiled their own path each
 * time (0.35 % of a cold `hsc inspect`'s instructions, 0.6 % of `hsc oomd status`'s, #15). The
 * mode is only this marker: either one is the user's own file, read under the same rules.
 */
const FIRST_RUN_MODE = 0o400
const SETTLED_MODE = 0o600

/**
 * The cache's bytes and whether it is settled (not a first run's), or undefined: a regular
 * file of this user's, one link, no one else may write it. Read into `room` when it is big
 * enough (bytes nothing else uses any more).
 */
function readCache(file, room = undefined) {
  let fd
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    const st = fstatSync(fd)
    if (!st.isFile() || !ownedPrivately(st) || st.nlink !== 1 || st.size === 0 || st.size > MAX_CACHE_BYTES) return undefined
    const buf = room && room.length >= st.size ? room.subarray(0, st.size) : Buffer.allocUnsafe(st.size)
    let got = 0
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got)
      if (n === 0) return undefined
      got += n
    }
    return { bytes: buf, settled: (st.mode & 0o777) !== FIRST_RUN_MODE }
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * A cache's name: the command, the script's own name (the bundle, or a part of it such as
 * zod.cjs) and that script's identity. Each script has its own cache, since V8 keeps one per
 * compiled script.
 */
const cacheName = (key, base, signature) => `${key}.${base}@${signature}.v8`
/** A script's name as it may stand in a cache's name (the build's own names already do). */
const namePart = (base) => (shaped(base, Infinity, isNamePart) ? base : base.replace(/[^a-z0-9-]/g, '-') || 'x')
const CACHE_NAME = /^([a-z][a-z-]*(?:\+root)?)\.([a-z0-9-]+)@(.+)\.v8$/

/**
 * Writes the cache atomically, then drops the caches of this script's other builds, files of
 * no current form, and all but the newest few of this build's.
 */
function writeCache(dir, name, data, mode = SETTLED_MODE) {
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`)
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode })
    // The mode is the first-run marker: set as meant, whatever the umask took from it.
    chmodSync(tmp, mode)
    renameSync(tmp, path.join(dir, name))
  } catch {
    rmSync(tmp, { force: true })
    return
  }
  const [, , base, sig] = CACHE_NAME.exec(name) ?? []
  try {
    const mine = []
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.v8')) continue
      const m = CACHE_NAME.exec(f)
      if (!m || (m[2] === base && m[3] !== sig)) rmSync(path.join(dir, f), { force: true })
      else if (m[2] === base) mine.push({ f, t: lstatSync(path.join(dir, f)).mtimeMs })
    }
    for (const { f } of mine.sort((a, b) => b.t - a.t).slice(KEEP_CACHES)) rmSync(path.join(dir, f), { force: true })
  } catch {
    // Pruning is housekeeping: the next write tries again.
  }
}

/** A part of the bundle it requires by a literal relative name (build-cli.mjs): `./zod.cjs`. */
const OWN_PART = /^\.\/[a-z0-9-]+\.cjs$/

/**
 * Runs `file` as a CommonJS module and returns it. With a cache folder, its compiled code is
 * taken from this command's cache, and kept at exit when there was none, V8 refused it or it
 * was a first run's (see FIRST_RUN_MODE), unless the run ended on an error path. The
 * parts it requires (`./zod.cjs`) load the same way, once each. `read` is the file's
 * readBundle, when the caller has read it already.
 */
function loadScript(file, opts, parts = new Map(), read = readBundle(file)) {
  // The build emits ASCII; a one-byte string is faster to make and for V8 to scan than the
  // two-byte string a UTF-8 decode makes of a file with any other character in it.
  const { bytes, room, signature } = read
  const source = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8')
  const folder = signature && codeCacheDir(opts.env)
  const dir = folder && privateDir(folder)
  const name = dir ? cacheName(commandKey(opts.args), namePart(path.basename(file, '.cjs')), signature) : undefined
  // The source is a string of its own now: the cache may take the bundle's buffer.
  const cached = name ? readCache(path.join(dir, name), room) : undefined
  // The bundle starts on the wrapper's second line, shown as line 1: stack traces and source
  // maps then point at the bundle's own lines and columns.
  const script = new vm.Script(source, { filename: file, cachedData: cached?.bytes, lineOffset: -1 })
  const ranFromCache = cached !== undefined && !script.cachedDataRejected
  if (name && !(ranFromCache && cached.settled)) {
    // At exit the cache also holds every function this command compiled while it ran: a run
    // without one keeps a first run's, a run from a first run's keeps the settled one.
    const mode = ranFromCache ? SETTLED_MODE : FIRST_RUN_MODE
    process.once('exit', () => globalThis[NOT_TO_KEEP] !== true && writeCache(dir, name, script.createCachedData(), mode))
  }
  const mod = { exports: {}, filename: file, id: parts.size ? file : '.', loaded: false }
  // Node's require for the file, made for the first module that is not Node's own: most
  // commands require only those, and making it (a Module, its lookup paths) cost each ~0.1 ms.
  let nodeRequire
  const nodeRequireOf = () => (nodeRequire ??= createRequire(file))
  const require = (id) => {
    // Node's own modules straight from Node: the loader's resolution and its caches for each of
    // the bundle's ~30 requires of them were ~0.1 ms of every command (#15).
    if (id.startsWith('node:')) return process.getBuiltinModule?.(id) ?? nodeRequireOf()(id)
    if (!OWN_PART.test(id)) return nodeRequireOf()(id)
    const part = path.join(path.dirname(file), id)
    return (parts.get(part) ?? loadScript(part, opts, parts)).exports
  }
  Object.defineProperties(require, { resolve: { get: () => nodeRequireOf().resolve }, cache: { get: () => nodeRequireOf().cache } })
  // Known before it runs, as in Node, so a part that requires it back gets its exports so far.
  parts.set(file, mod)
  script.runInThisContext()(mod.exports, require, mod, file, path.dirname(file))
  mod.loaded = true
  return mod
}

/** Runs `file` (CommonJS) as the main program, with its own and its parts' code caches. */
function runBundle(file, { args = process.argv.slice(2), env = process.env } = {}, read = undefined) {
  loadScript(file, { args, env }, new Map(), read ?? readBundle(file))
}

/** readBundle, or undefined when there is no such file. */
function readBundleIfPresent(file) {
  try {
    return readBundle(file)
  } catch (err) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Arguments that take a command group past its own bundle: what they need is left out of it
 * (scripts/build-cli.mjs LEFT_OUT), so the full CLI runs them. Matched loosely, any argument
 * equal to one: the full CLI runs every command, so a needless match costs only time.
 */
const FULL_CLI_ARGS = new Map([['inspect', ['prometheus', '--format=prometheus']]])

function main() {
  // bin/hsc started Node without NODE_EXTRA_CA_CERTS (see there): programs hsc starts get it
  // back, and hsc's own TLS connections find the file under this key (system/extra-ca.ts).
  const deferredCa = process.env.HSC_DEFERRED_EXTRA_CA_CERTS
  if (deferredCa !== undefined) {
    delete process.env.HSC_DEFERRED_EXTRA_CA_CERTS
    process.env.NODE_EXTRA_CA_CERTS = deferredCa
    globalThis[Symbol.for('hsc.deferredExtraCaCerts')] = deferredCa
  }
  const bundles = path.join(__dirname, '..', 'out', 'cli')
  const full = path.join(bundles, 'hsc.cjs')
  // The most used command groups have a bundle of their own, with only their code (#15;
  // scripts/build-cli.mjs): the first word that is not an option names the group, as in
  // src/cli/main.ts. Anything else, or a build without that bundle, runs the full CLI. The
  // files are opened, not looked up first: two lookups more per command were measurable.
  const args = process.argv.slice(2)
  const word = args.find((a) => !a.startsWith('-'))
  const lean = word !== undefined && shaped(word, 20, isLower) && !FULL_CLI_ARGS.get(word)?.some((a) => args.includes(a))
  const own = lean ? path.join(bundles, `hsc-${word}.cjs`) : undefined
  const ownRead = own && readBundleIfPresent(own)
  const read = ownRead || readBundleIfPresent(full)
  if (!read) {
    process.stderr.write('hsc: not built yet: run `npm run build` in the project directory first\n')
    process.exit(1)
  }
  runBundle(ownRead ? own : full, { args }, read)
}

if (require.main === module) main()

module.exports = { WRAPPER_PREFIX, MAX_CACHE_BYTES, KEEP_CACHES, FULL_CLI_ARGS, codeCacheDir, commandKey, readCache, writeCache, runBundle, main }
