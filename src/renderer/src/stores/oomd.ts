import { toErrorInfo } from '../../../shared/contract/errors'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { OomdPressureSample, OomdStatus, ThresholdKey } from '../../../shared/contract'
import { api } from '../api'

/** 5 minutes of samples at the service's 2 s period. */
export const MAX_SAMPLES = 150

type Busy = 'enable' | 'disable' | 'thresholds' | 'reset' | null

export const useOomdStore = defineStore('oomd', () => {
  const status = ref<OomdStatus | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const busy = ref<Busy>(null)
  const actionError = ref<{ message: string; hint?: string; detail?: string } | null>(null)
  const actionNote = ref<string | null>(null)
  const samples = ref<OomdPressureSample[]>([])
  let unsubscribe: (() => void) | null = null
  let liveUsers = 0

  const latest = computed(() => samples.value.at(-1) ?? null)
  /** DefaultMemoryPressureLimit as a number (percent) for the chart's limit line. */
  const pressureLimit = computed(() => {
    const v = status.value?.config.settings.DefaultMemoryPressureLimit.value
    const n = v ? Number.parseFloat(v) : Number.NaN
    return Number.isFinite(n) ? n : null
  })

  async function refresh(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      status.value = await api.call('oomd.status', {})
    } catch (e) {
      error.value = (e as Error).message
    } finally {
      loading.value = false
    }
  }

  async function act(kind: Exclude<Busy, null>, run: () => Promise<string>): Promise<boolean> {
    busy.value = kind
    actionError.value = null
    actionNote.value = null
    try {
      actionNote.value = await run()
      return true
    } catch (e) {
      const { message, hint, detail } = toErrorInfo(e)
      actionError.value = { message, hint, detail }
      return false
    } finally {
      busy.value = null
      await refresh()
    }
  }

  const restartText: Record<string, string> = {
    restarted: 'systemd-oomd was restarted to apply them.',
    'not-running': 'systemd-oomd is not running; they apply when it starts.',
    'offline-root': '',
    'systemd-unavailable': 'systemd is not reachable, so nothing was restarted.'
  }

  const enable = () =>
    act('enable', async () => {
      await api.call('oomd.enable', {})
      return 'systemd-oomd is enabled and running.'
    })
  const disable = () =>
    act('disable', async () => {
      await api.call('oomd.disable', {})
      return 'systemd-oomd is stopped and disabled.'
    })
  const setThresholds = (values: Partial<Record<ThresholdKey, string | null>>) =>
    act('thresholds', async () => {
      const r = await api.call('oomd.setThresholds', { values })
      return `Saved to ${r.path}. ${restartText[r.restart] ?? ''}`.trim()
    })
  const reset = () =>
    act('reset', async () => {
      const r = await api.call('oomd.reset', {})
      return `Removed ${r.path}. ${restartText[r.restart] ?? ''}`.trim()
    })

  /** Starts receiving oomd.pressure; the service samples only while someone listens. */
  function startLive(): void {
    liveUsers++
    if (unsubscribe) return
    unsubscribe = api.on('oomd.pressure', (s) => {
      const next = samples.value.length >= MAX_SAMPLES ? samples.value.slice(1) : samples.value.slice()
      next.push(s)
      samples.value = next
    })
  }
  function stopLive(): void {
    liveUsers = Math.max(0, liveUsers - 1)
    if (liveUsers === 0 && unsubscribe) {
      unsubscribe()
      unsubscribe = null
    }
  }

  return {
    status,
    loading,
    error,
    busy,
    actionError,
    actionNote,
    samples,
    latest,
    pressureLimit,
    refresh,
    enable,
    disable,
    setThresholds,
    reset,
    startLive,
    stopLive
  }
})
