import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Check, CheckGroup, InspectReport } from '../../../shared/contract'
import { checkGroupTitles } from '../../../shared/contract/check-groups'
import { api } from '../api'
import { takeArrived, takePrefetched } from '../api/prefetch'

export const useInspectStore = defineStore('inspect', () => {
  const report = ref<InspectReport | null>(takeArrived('inspect.report') ?? null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  const groups = computed(() => {
    const map = new Map<CheckGroup, Check[]>()
    for (const c of report.value?.checks ?? []) map.set(c.group, [...(map.get(c.group) ?? []), c])
    return [...map].map(([id, checks]) => ({ id, title: checkGroupTitles[id] ?? id, checks }))
  })
  const needsAction = computed(() => (report.value?.checks ?? []).filter((c) => c.status === 'fail' || c.status === 'warn'))

  async function refresh(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      report.value = await (takePrefetched('inspect.report') ?? api.call('inspect.report', {}))
    } catch (e) {
      error.value = (e as Error).message
    } finally {
      loading.value = false
    }
  }
  const markdown = (): Promise<string> => api.call('inspect.exportMarkdown', {})
  return { report, loading, error, groups, needsAction, refresh, markdown }
})
