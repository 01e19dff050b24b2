/** What the preload puts on window (Electron only; absent in browser mode). */
interface HscBridge {
  methods: Readonly<Record<string, (input?: unknown) => Promise<import('../shared/contract').CallResult<unknown>>>>
  on(event: string, listener: (payload: unknown) => void): () => void
  /** The local path of a dropped File ('' when it has none). */
  pathForFile?(file: File): string
}

interface Window {
  hsc?: HscBridge
}
