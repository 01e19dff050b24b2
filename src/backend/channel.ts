/** The message channel to the process that started this one. */
export interface ParentChannel {
  post(msg: unknown): void
  onMessage(listener: (msg: unknown) => void): void
  /** The parent is gone (or closed the channel). */
  onClose(listener: () => void): void
}

interface ParentPort {
  postMessage(msg: unknown): void
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  on(event: 'close', listener: () => void): void
}

/** Electron's utilityProcess gives a parentPort; a Node fork gives process.send. */
export function parentChannel(): ParentChannel | undefined {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort
  if (port) {
    return {
      post: (msg) => port.postMessage(msg),
      onMessage: (l) => port.on('message', (e) => l(e.data)),
      onClose: (l) => port.on('close', l)
    }
  }
  if (typeof process.send === 'function') {
    return {
      post: (msg) => process.send?.(msg),
      onMessage: (l) => process.on('message', l),
      onClose: (l) => process.on('disconnect', l)
    }
  }
  return undefined
}
