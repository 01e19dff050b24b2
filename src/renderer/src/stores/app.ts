import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo } from '../../../shared/contract'
import { api } from '../api'

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const connectionError = ref<string | null>(null)
  async function load(): Promise<void> {
    try {
      info.value = await api.call('app.info', {})
      connectionError.value = null
    } catch (e) {
      connectionError.value = (e as Error).message
    }
  }
  return { info, connectionError, load }
})
