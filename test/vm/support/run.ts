import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { qmp } from './qmp'
import { VM_SCRIPTS } from './image'

export interface GuestLine {
  type: 'hello' | 'result' | 'event' | 'log' | 'done' | 'fatal'
  id?: string
  data?: unknown
  error?: string
  [k: string]: unknown
}

export interface GuestRun {
  results: Map<string, GuestLine>
  lines: GuestLine[]
  /** Host-side actions taken on the guest's request (QMP device_del), with QEMU's answers. */
  actions: Array<{ request: GuestLine; reply: unknown }>
  exitCode: number | null
  timedOut: boolean
  /** Seconds from starting QEMU to the guest's first line (systemd up, units started). */
  bootSeconds: number | null
  seconds: number
  console: string
}

/**
 * Boots the guest once (scripts/vm/run-guest.sh) and follows its result channel (ttyS1 ->
 * WORK/results.log). A {type:'event', name:'pull-stick'} line makes the host pull that USB
 * stick out through QMP device_del, mid-write. Ends when the guest powers off, or kills QEMU
 * at the deadline.
 */
export function runGuest(imageDir: string, appImg: string, work: string, timeoutMs: number): Promise<GuestRun> {
  const t0 = Date.now()
  const resultsFile = path.join(work, 'results.log')
  const lines: GuestLine[] = []
  const actions: GuestRun['actions'] = []
  let offset = 0
  let partial = ''
  let bootSeconds: number | null = null
  const pending: Array<Promise<void>> = []

  const poll = (): void => {
    let chunk: Buffer
    try {
      const fd = fs.openSync(resultsFile, 'r')
      const size = fs.fstatSync(fd).size
      chunk = Buffer.alloc(Math.max(0, size - offset))
      if (chunk.length) fs.readSync(fd, chunk, 0, chunk.length, offset)
      fs.closeSync(fd)
    } catch {
      return
    }
    offset += chunk.length
    partial += chunk.toString('utf8')
    let nl: number
    while ((nl = partial.indexOf('\n')) >= 0) {
      const raw = partial.slice(0, nl).replace(/\r/g, '').trim()
      partial = partial.slice(nl + 1)
      if (!raw.startsWith('{')) continue
      let line: GuestLine
      try {
        line = JSON.parse(raw) as GuestLine
      } catch {
        continue
      }
      lines.push(line)
      if (line.type === 'hello' && bootSeconds === null) bootSeconds = (Date.now() - t0) / 1000
      if (line.type === 'event' && line.name === 'pull-stick' && typeof line.device === 'string') {
        pending.push(
          qmp(path.join(work, 'qmp.sock'), 'device_del', { id: line.device }).then(
            (reply) => void actions.push({ request: line, reply }),
            (err: unknown) => void actions.push({ request: line, reply: { error: String(err) } })
          )
        )
      }
    }
  }

  return new Promise((resolve, reject) => {
    const qemu = spawn('bash', [path.join(VM_SCRIPTS, 'run-guest.sh'), imageDir, appImg, work], { stdio: ['ignore', 'pipe', 'pipe'] })
    let qemuOut = ''
    qemu.stdout.on('data', (d) => (qemuOut += d))
    qemu.stderr.on('data', (d) => (qemuOut += d))
    let timedOut = false
    const ticker = setInterval(poll, 200)
    const deadline = setTimeout(() => {
      timedOut = true
      qemu.kill('SIGKILL')
    }, timeoutMs)
    qemu.on('error', (err) => {
      clearInterval(ticker)
      clearTimeout(deadline)
      reject(err)
    })
    qemu.on('close', (code) => {
      clearInterval(ticker)
      clearTimeout(deadline)
      poll()
      void Promise.all(pending).then(() => {
        const results = new Map<string, GuestLine>()
        for (const l of lines) if (l.type === 'result' && l.id) results.set(l.id, l)
        let consoleText = ''
        try {
          consoleText = fs.readFileSync(path.join(work, 'console.log'), 'utf8')
        } catch {
          /* QEMU did not start */
        }
        resolve({
          results,
          lines,
          actions,
          exitCode: code,
          timedOut,
          bootSeconds,
          seconds: (Date.now() - t0) / 1000,
          console: consoleText + (qemuOut ? `\n[qemu]\n${qemuOut}` : '')
        })
      })
    })
  })
}
