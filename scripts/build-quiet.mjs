// `npm start` and `npm run web` build first. The build prints ~40 lines nobody needs before
// the one line that matters (the URL, or why Electron cannot start), so it writes them to a
// log and says one line; on failure it shows the end of the log and where the rest is.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const logDir = path.join(root, '.cache')
const log = path.join(logDir, 'build.log')
mkdirSync(logDir, { recursive: true })
const out = createWriteStream(log)

// npm sets npm_execpath when it runs this script; fall back to npm on PATH.
const npm = process.env.npm_execpath
const [cmd, args] = npm ? [process.execPath, [npm, 'run', '-s', 'build']] : ['npm', ['run', '-s', 'build']]
process.stdout.write(`Building… (details in ${path.relative(process.cwd(), log) || log})\n`)
const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
child.stdout.pipe(out, { end: false })
child.stderr.pipe(out, { end: false })
child.on('error', (err) => {
  process.stderr.write(`The build could not start: ${err.message}\n`)
  process.exit(1)
})
child.on('close', (code) => {
  out.end(() => {
    if (code === 0) return process.exit(0)
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n')
    process.stderr.write(`The build failed (exit ${code}). Last lines of ${log}:\n${lines.slice(-25).join('\n')}\n`)
    process.exit(code ?? 1)
  })
})
