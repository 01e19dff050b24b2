import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { TerminalExit } from '../../../shared/contract/terminal'
import { validateDropInContent } from '../oomd/dropin'
import { ROOT_HELPER } from './root-helper-path'
import type { PrivilegedRunner } from './privileged'

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
    throw new AppError(
      'ValidationError',
      `refusing to write ${JSON.stringify(systemPath)}: only *.conf files directly in ${CONFIG_WRITE_DIRS.join(', ')} may be written`,
      {
        stage: 'validate path'
      }
    )
  }
  return systemPath
}

function check(exit: TerminalExit, what: string, shownIn: PrivilegedRunner['shownIn']): void {
  if (exit.status === 'ok') return
  const where = shownIn === 'user-terminal' ? 'the output above' : 'the terminal panel'
  if (exit.declined)
    throw new AppError('AuthorizationDeclined', `Could not ${what}: administrator rights were not granted.`, {
      stage: 'authorize',
      hint:
        shownIn === 'user-terminal'
          ? 'Nothing was changed. pkexec asks for a password on a terminal or through a desktop polkit agent; run the command where one of them is available, or as root.'
          : 'Nothing was changed. The change needs administrator rights.',
      detail: `${exit.message}; pkexec exit ${exit.code ?? 'unknown'}`
    })
  throw new AppError('PrivilegedCommandFailed', `Could not ${what}: ${exit.message}.`, {
    stage: 'write',
    hint: `Nothing was changed; ${where} shows what the helper said.`
  })
}

export interface ConfigWriterOptions {
  runner: PrivilegedRunner
  /** Root prefix the system paths live under ("/" live; a scratch tree in tests and with --root). */
  root?: string
}

/**
 * Root never reads a file the user could swap: the validated content goes to the fixed
 * root helper (libexec/hsc-root-helper) on stdin, with only an action and a file name in
 * argv. The helper validates again and writes without following symlinks. A --root tree is
 * passed on only as `--root DIR`, which the helper refuses when started through pkexec.
 */
export function createConfigWriter(opts: ConfigWriterOptions): PrivilegedConfigWriter {
  const root = path.resolve(opts.root ?? '/')
  const rootArgs = root === '/' ? [] : ['--root', root]
  return {
    async write(systemPath, content) {
      const name = path.posix.basename(assertWritableConfigPath(systemPath))
      if (content.length > MAX_CONTENT || content.includes('\0')) {
        throw new AppError('ValidationError', `config content must be text under ${MAX_CONTENT} bytes`, { stage: 'validate content' })
      }
      validateDropInContent(content)
      const exit = await opts.runner.run({
        title: `Change systemd-oomd settings (${systemPath})`,
        steps: [
          {
            argv: [ROOT_HELPER, 'write-oomd-dropin', name, ...rootArgs],
            stdin: content,
            why: `Changing systemd-oomd settings: ${systemPath} will contain:\n${content.trimEnd()}`
          }
        ]
      })
      check(exit, `write ${systemPath}`, opts.runner.shownIn)
    },
    async remove(systemPath) {
      const name = path.posix.basename(assertWritableConfigPath(systemPath))
      const exit = await opts.runner.run({
        title: `Change systemd-oomd settings (remove ${systemPath})`,
        steps: [
          {
            argv: [ROOT_HELPER, 'remove-oomd-dropin', name, ...rootArgs],
            stdin: '',
            why: `Changing systemd-oomd settings: removing ${systemPath} (back to the defaults)`
          }
        ]
      })
      check(exit, `remove ${systemPath}`, opts.runner.shownIn)
    }
  }
}
