/** What the preload puts on window (Electron only; absent in browser mode). */
interface HscBridge {
  methods: Readonly<Record<string, (input?: unknown) => Promise<import('../shared/contract').CallResult<unknown>>>>
  on(event: string, listener: (payload: unknown) => void): () => void
}

interface Window {
  hsc?: HscBridge
}
