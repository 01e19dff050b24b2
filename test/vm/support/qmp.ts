import net from 'node:net'

/**
 * One QMP command on QEMU's monitor socket: greeting, qmp_capabilities, then the command.
 * Resolves with QEMU's reply ({return} or {error}); asynchronous events are skipped.
 */
export function qmp(socket: string, execute: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket)
    let buf = ''
    let step = 0
    const timer = setTimeout(() => {
      conn.destroy()
      reject(new Error(`QMP ${execute}: no answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = (fn: () => void): void => {
      clearTimeout(timer)
      conn.end()
      fn()
    }
    conn.on('error', (err) => done(() => reject(err)))
    conn.on('data', (chunk) => {
      buf += chunk.toString('utf8')
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (!line) continue
        const msg = JSON.parse(line) as Record<string, unknown>
        if ('event' in msg) continue
        if (step === 0 && 'QMP' in msg) {
          step = 1
          conn.write(JSON.stringify({ execute: 'qmp_capabilities' }) + '\n')
        } else if (step === 1) {
          if ('error' in msg) return done(() => reject(new Error(`qmp_capabilities: ${JSON.stringify(msg.error)}`)))
          step = 2
          conn.write(JSON.stringify({ execute, arguments: args }) + '\n')
        } else if (step === 2) return done(() => resolve(msg))
      }
    })
  })
}
