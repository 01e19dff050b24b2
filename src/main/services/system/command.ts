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

const MAX_OUTPUT = 64 * 1024 * 1024

/**
 * Its standard input is /dev/null unless `input` is given. A program that reads it gets end of
 * file at once instead of waiting out its timeout; and a socket there (what a pipe to a child
 * is in Node) makes bash, which Debian's rpm starts to expand %_dbpath, believe sshd started it
 * and run the user's ~/.bashrc: ~150 ms of pyenv set-up for every `rpm --eval` here, and
 * someone's shell start-up run behind their back.
 */
export const runCommand: CommandRunner = async (argv, opts = {}) => {
  if (argv.length === 0) throw new Error('empty argv')
  const { spawn } = await (childProcess ??= import('node:child_process'))
  return new Promise((resolve) => {
    const [file, ...args] = argv
    const child = spawn(file, args, {
      timeout: opts.timeoutMs ?? 30_000,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      cwd: opts.cwd,
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let size = 0
    let tooMuch = false
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_OUTPUT) {
        // As execFile's maxBuffer: the program is stopped, and its answer is no answer.
        tooMuch = true
        child.kill()
        return
      }
      into.push(chunk)
    }
    child.stdout?.on('data', collect(out))
    child.stderr?.on('data', collect(err))
    const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString()
    const notRun = (spawnError: string): CommandResult => ({ code: 127, stdout: '', stderr: text(err), spawnError })
    // 'error' (it could not start) and 'close' may both come: the first answer stands.
    child.on('error', (e: NodeJS.ErrnoException) => resolve(notRun(e.code ?? 'EIO')))
    // Killed (its timeout, a signal): no exit code, a failure.
    child.on('close', (code) => resolve(tooMuch ? notRun('ERR_CHILD_PROCESS_STDIO_MAXBUFFER') : { code: code ?? 1, stdout: text(out), stderr: text(err) }))
    if (opts.input !== undefined) {
      // A program that exits without reading its input is not a failure of ours.
      child.stdin?.on('error', () => undefined)
      child.stdin?.end(opts.input)
    }
  })
}
