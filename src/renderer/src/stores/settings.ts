import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Settings, SettingsPatch, SettingsState, TrustedKey } from '../../../shared/contract'
import { api } from '../api'
import { toErrorInfo } from '../../../shared/contract/errors'
import { humanizeError } from '../../../shared/error-sentences'

/** "settings.update: downloadDir: must be…" becomes a sentence naming the field, with what to do. */
function say(e: unknown): string {
  const h = humanizeError(toErrorInfo(e))
  return h.hint ? `${h.message} ${h.hint}` : h.message
}

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null)
  const notice = ref<string | null>(null)
  const error = ref<string | null>(null)
  const keys = ref<TrustedKey[]>([])
  const keyError = ref<string | null>(null)

  const apply = (s: SettingsState): void => {
    settings.value = s.settings
    notice.value = s.notice ?? null
  }
  // Changes made elsewhere (another window, the CLI through browser mode) show up here.
  api.on('settings.changed', apply)

  async function load(): Promise<void> {
    try {
      apply(await api.call('settings.get', {}))
    } catch (e) {
      error.value = say(e)
    }
  }
  async function update(patch: SettingsPatch): Promise<boolean> {
    try {
      apply(await api.call('settings.update', patch))
      notice.value = null
      error.value = null
      return true
    } catch (e) {
      error.value = say(e)
      return false
    }
  }
  async function loadKeys(): Promise<void> {
    try {
      keys.value = await api.call('settings.keys.list', {})
    } catch (e) {
      keyError.value = say(e)
    }
  }
  async function importKey(armored: string): Promise<TrustedKey | null> {
    keyError.value = null
    try {
      const key = await api.call('settings.keys.import', { armored })
      await loadKeys()
      return key
    } catch (e) {
      keyError.value = say(e)
      return null
    }
  }
  async function removeKey(fingerprint: string): Promise<void> {
    keyError.value = null
    try {
      keys.value = await api.call('settings.keys.remove', { fingerprint })
    } catch (e) {
      keyError.value = say(e)
    }
  }
  return { settings, notice, error, keys, keyError, load, update, loadKeys, importKey, removeKey }
})
