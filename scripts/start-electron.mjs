// Launches the built app in Electron. Electron downloads its binary on first run; where that
// cannot happen (offline, CI) this says so in one clear message instead of a stack trace.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const fallback = 'Meanwhile use browser mode (`npm run web`, or `hsc gui --browser`) or the command line (`hsc --help`).'
const fail = (why) => {
  process.stderr.write(`Hyperscale Companion: Electron cannot start: ${why}.\n${fallback}\n`)
  process.exit(1)
}

// Installed from the RPM, the desktop app is its own package with its own Electron
// (packaged.json is written by packaging/rpm/hyperscale-companion.spec).
const packagedInfo = path.join(path.dirname(fileURLToPath(import.meta.url)), '../packaged.json')
if (existsSync(packagedInfo)) {
  const { desktop, install } = JSON.parse(readFileSync(packagedInfo, 'utf8'))
  if (!existsSync(desktop)) fail(`the desktop app is not installed (${install})`)
  const child = spawn(desktop, process.argv.slice(2), { stdio: 'inherit' })
  child.on('error', (err) => fail(`${desktop} is not runnable (${err.code ?? err.message})`))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
} else {
  launchFromNpm()
}

function launchFromNpm() {
  let electronDir
  try {
    electronDir = path.dirname(require.resolve('electron/package.json'))
  } catch {
    fail('the electron package is not installed (run `npm install`)')
  }
  const binaryPath = () => {
    const pathFile = path.join(electronDir, 'path.txt')
    if (!existsSync(pathFile)) return undefined
    const p = path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8'))
    return existsSync(p) ? p : undefined
  }

  let binary = process.env.ELECTRON_OVERRIDE_DIST_PATH ? require('electron') : binaryPath()
  if (!binary) {
    process.stdout.write('Downloading the Electron binary (first run only)...\n')
    const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 300_000 })
    binary = binaryPath()
    if (r.status !== 0 || !binary) {
      const reason = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONN|timed out|getaddrinfo/i.test(l))
      fail(`its binary could not be downloaded${reason ? ` (${reason.trim().slice(0, 160)})` : r.error ? ` (${r.error.message})` : ''}`)
    }
  }

  const child = spawn(binary, ['.', ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('error', (err) => fail(`${binary} is not runnable (${err.code ?? err.message})`))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
