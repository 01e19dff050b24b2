export interface CommandResult {
  code: number
  stdout: string
  stderr: string
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: string
}

export interface RunOptions {
  timeoutMs?: number
  env?: Record<string, string>
  cwd?: string
  input?: string
}

/** Runs an argv array, never a shell string. The one way services start programs. */
export type CommandRunner = (argv: readonly string[], opts?: RunOptions) => Promise<CommandResult>

/** Loaded with the first program started: a command that starts none skips its ~7 ms. */
let childProcess: Promise<typeof import('node:child_process')> | undefined

export const runCommand: CommandRunner = async (argv, opts = {}) => {
  if (argv.length === 0) throw new Error('empty argv')
  const { execFile } = await (childProcess ??= import('node:child_process'))
  return new Promise((resolve) => {
    const [file, ...args] = argv
    const child = execFile(
      file,
      args,
      {
        timeout: opts.timeoutMs ?? 30_000,
        maxBuffer: 64 * 1024 * 1024,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        cwd: opts.cwd,
        encoding: 'utf8'
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          resolve({ code: 127, stdout: '', stderr: String(stderr ?? ''), spawnError: (err as NodeJS.ErrnoException).code as string })
          return
        }
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr) })
      }
    )
    if (opts.input !== undefined) child.stdin?.end(opts.input)
  })
}
