import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo, BackendState } from '../../../shared/contract'
import { api } from '../api'

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const connectionError = ref<string | null>(null)
  /** The service process stopped (and is being restarted): said once, until dismissed. */
  const backend = ref<BackendState | null>(null)
  let off: (() => void) | undefined
  async function load(): Promise<void> {
    off ??= api.on('app.backend', (s) => {
      // "running" again after a restart keeps the notice: what was interrupted still matters.
      if (s.state !== 'running') backend.value = s
    })
    try {
      info.value = await api.call('app.info', {})
      connectionError.value = null
    } catch (e) {
      connectionError.value = (e as Error).message
    }
  }
  return { info, connectionError, backend, load, dismissBackend: () => (backend.value = null) }
})
