#!/usr/bin/env node
// Compiles the Node-API socket addon with the system C compiler. No node-gyp/python and
// no header download: Node-API headers are found locally (see README.md for the order).
// One build serves Node and Electron, because only Node-API symbols are used.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const release = path.join(here, 'build', 'Release')
// Two addons, each one job: the socket dbus-next loads, and the drive I/O run on the libuv pool.
const addons = [
  { name: 'hsc_usocket', source: 'usocket.c' },
  { name: 'hsc_drive_io', source: 'drive_io.c' }
]

function headerDirs() {
  const dirs = []
  const nodedir = process.env.npm_config_nodedir || process.env.NODEDIR
  if (nodedir) dirs.push(path.join(nodedir, 'include', 'node'))
  dirs.push(path.resolve(path.dirname(process.execPath), '..', 'include', 'node'))
  dirs.push('/usr/include/node', '/usr/local/include/node')
  dirs.push(path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'))
  return dirs
}

function fail(message) {
  console.error(`usocket (Hyperscale Companion native socket): ${message}`)
  process.exit(1)
}

if (process.platform !== 'linux') {
  // UDisks2 only exists on Linux; elsewhere dbus-next falls back to a plain socket.
  console.log('usocket: not Linux, skipping the native build')
  process.exit(0)
}

const include = headerDirs().find((d) => existsSync(path.join(d, 'node_api.h')))
if (!include) {
  fail(
    `node_api.h not found (looked in ${headerDirs().join(', ')}). ` +
      'Install the Node.js headers (the "nodejs" package of NodeSource includes them; on Fedora: dnf install nodejs-devel).'
  )
}

const cc = process.env.CC || 'cc'
mkdirSync(release, { recursive: true })
for (const { name, source } of addons) {
  const out = path.join(release, `${name}.node`)
  const argv = [
    '-std=gnu11',
    '-O2',
    '-fPIC',
    '-shared',
    '-fvisibility=hidden',
    '-Wall',
    '-Wextra',
    '-Wno-unused-parameter',
    `-DNODE_GYP_MODULE_NAME=${name}`,
    `-I${include}`,
    path.join(here, 'src', source),
    '-o',
    out,
    '-pthread'
  ]
  try {
    execFileSync(cc, argv, { stdio: 'inherit' })
  } catch (err) {
    fail(`compiling ${source} with ${cc} failed (${err.message}). A C compiler is needed: apt-get install gcc / dnf install gcc.`)
  }
  console.log(`usocket: built ${path.relative(process.cwd(), out)} against ${include}`)
}
