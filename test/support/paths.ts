import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures')
/** The CLI's Node entry, run as `node HSC …`. */
export const HSC = path.join(PROJECT_ROOT, 'bin/hsc.cjs')
/** The installed entry point (a shell script that starts Node on HSC; see bin/hsc). */
export const HSC_LAUNCHER = path.join(PROJECT_ROOT, 'bin/hsc')
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
