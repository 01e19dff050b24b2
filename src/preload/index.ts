import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { eventNames, methodNames } from '../shared/contract'
import { IPC } from '../shared/ipc-channels'

/**
 * Exposes one named function per contract method (never ipcRenderer itself), plus
 * subscription to the contract's events. Unknown names are rejected here and again in main.
 */
const methods: Record<string, (input?: unknown) => Promise<unknown>> = {}
for (const name of methodNames) {
  methods[name] = (input?: unknown) => ipcRenderer.invoke(IPC.call, name, input)
}

const listeners = new Map<string, Set<(payload: unknown) => void>>()
ipcRenderer.on(IPC.event, (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return
  for (const l of listeners.get(name) ?? []) l(payload)
})

function on(name: string, listener: (payload: unknown) => void): () => void {
  if (!(eventNames as string[]).includes(name)) throw new Error(`unknown event ${name}`)
  let set = listeners.get(name)
  if (!set) {
    set = new Set()
    listeners.set(name, set)
    ipcRenderer.send(IPC.subscribe, name, true)
  }
  set.add(listener)
  return () => {
    set.delete(listener)
    if (set.size === 0) {
      listeners.delete(name)
      ipcRenderer.send(IPC.subscribe, name, false)
    }
  }
}

/** The path of a file dropped on the window (Electron no longer puts it on File). Read-only. */
function pathForFile(file: unknown): string {
  return file instanceof File ? webUtils.getPathForFile(file) : ''
}

contextBridge.exposeInMainWorld('hsc', { methods: Object.freeze(methods), on, pathForFile })
