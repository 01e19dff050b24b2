import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Settings } from '../../../shared/contract'
import { api } from '../api'

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null)
  const notice = ref<string | null>(null)
  const error = ref<string | null>(null)
  async function load(): Promise<void> {
    try {
      const s = await api.call('settings.get', {})
      settings.value = s.settings
      notice.value = s.notice ?? null
    } catch (e) {
      error.value = (e as Error).message
    }
  }
  async function update(patch: Partial<Settings>): Promise<boolean> {
    try {
      const s = await api.call('settings.update', patch)
      settings.value = s.settings
      notice.value = null
      error.value = null
      return true
    } catch (e) {
      error.value = (e as Error).message
      return false
    }
  }
  return { settings, notice, error, load, update }
})
