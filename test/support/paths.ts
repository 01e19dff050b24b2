import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures')
export const HSC = path.join(PROJECT_ROOT, 'bin/hsc.cjs')
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
