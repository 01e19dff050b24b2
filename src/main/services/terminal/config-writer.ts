import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { TerminalExit } from '../../../shared/contract/terminal'
import type { TerminalService } from './runner'

/** Writes and removes root-owned config files through the privileged runner. */
export interface PrivilegedConfigWriter {
  write(systemPath: string, content: string): Promise<void>
  remove(systemPath: string): Promise<void>
}

/** Directories whose files may be written; one file name level, *.conf only. */
export const CONFIG_WRITE_DIRS: readonly string[] = ['/etc/systemd/oomd.conf.d']
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.conf$/
const MAX_CONTENT = 64 * 1024

export function assertWritableConfigPath(systemPath: string): string {
  const dir = path.posix.dirname(systemPath)
  const base = path.posix.basename(systemPath)
  if (path.posix.normalize(systemPath) !== systemPath || !CONFIG_WRITE_DIRS.includes(dir) || !FILE_NAME.test(base)) {
    throw new AppError('ValidationError', `refusing to write ${JSON.stringify(systemPath)}: only *.conf files directly in ${CONFIG_WRITE_DIRS.join(', ')} may be written`, {
      stage: 'validate path'
    })
  }
  return systemPath
}

function check(exit: TerminalExit, what: string): void {
  if (exit.status === 'ok') return
  if (exit.declined) throw new AppError('AuthorizationDeclined', `${what}: authorization declined`, { stage: 'authorize', hint: 'The change needs administrator rights; nothing was changed.' })
  throw new AppError('PrivilegedCommandFailed', `${what}: ${exit.message}`, { stage: 'write' })
}

export interface ConfigWriterOptions {
  terminal: TerminalService
  /** Root prefix the system paths live under ("/" live; a scratch tree in tests and with --root). */
  root?: string
}

/**
 * No shell anywhere: the content goes to a private temp file first (mode 0600 dir), then
 * `install -D -m 0644 TMP TARGET` copies it into place as root; removal is `rm -f -- TARGET`.
 */
export function createConfigWriter(opts: ConfigWriterOptions): PrivilegedConfigWriter {
  const root = path.resolve(opts.root ?? '/')
  const target = (systemPath: string): string => path.join(root, assertWritableConfigPath(systemPath))
  return {
    async write(systemPath, content) {
      const dest = target(systemPath)
      if (content.length > MAX_CONTENT || content.includes('\0')) {
        throw new AppError('ValidationError', `config content must be text under ${MAX_CONTENT} bytes`, { stage: 'validate content' })
      }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hsc-config-'))
      try {
        const tmp = path.join(dir, path.basename(dest))
        await writeFile(tmp, content, { mode: 0o644 })
        const exit = await opts.terminal.run({ title: `Write ${systemPath}`, steps: [['install', '-D', '-m', '0644', '--', tmp, dest]] })
        check(exit, `write ${systemPath}`)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
    async remove(systemPath) {
      const exit = await opts.terminal.run({ title: `Remove ${systemPath}`, steps: [['rm', '-f', '--', target(systemPath)]] })
      check(exit, `remove ${systemPath}`)
    }
  }
}
