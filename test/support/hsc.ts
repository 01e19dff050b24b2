import { spawn } from 'node:child_process'
import { HSC_LAUNCHER } from './paths'

export interface HscResult {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the built `hsc` through its installed entry point (bin/hsc) without blocking this
 * process (servers the test hosts, like a loopback dnf repo, must keep answering), with stdin
 * closed and no colour.
 */
export function runHsc(args: readonly string[], env: Record<string, string> = {}): Promise<HscResult> {
  return runProgram(HSC_LAUNCHER, ['--no-color', ...args], env)
}

/** Runs a program without blocking this process, stdin closed, with these variables added. */
export function runProgram(program: string, args: readonly string[], env: Record<string, string> = {}): Promise<HscResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.stdin.end()
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}
