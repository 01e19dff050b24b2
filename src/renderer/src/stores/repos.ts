import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type {
  ErrorInfo,
  FlavourOffer,
  KernelInfo,
  Prerequisite,
  PrivilegedPlan,
  Provenance,
  ReposActionInput,
  RepoList,
  TerminalExit
} from '../../../shared/contract'
import { toErrorInfo } from '../../../shared/contract/errors'
import { api } from '../api'
import { useTerminalStore } from './terminal'

/** A privileged action waiting for the user to confirm its exact commands. */
export interface PendingAction {
  action: ReposActionInput
  plan: PrivilegedPlan
}

export const useReposStore = defineStore('repos', () => {
  const terminal = useTerminalStore()
  const list = ref<RepoList | null>(null)
  const prerequisites = ref<Prerequisite[] | null>(null)
  const provenance = ref<Provenance | null>(null)
  const kernel = ref<KernelInfo | null>(null)
  const flavours = ref<FlavourOffer | null>(null)
  const loading = ref(false)
  const packagesLoading = ref(false)
  const error = ref<ErrorInfo | null>(null)
  const packagesError = ref<ErrorInfo | null>(null)

  const pending = ref<PendingAction | null>(null)
  const planning = ref(false)
  const planError = ref<ErrorInfo | null>(null)
  /** The session shown in the terminal panel (the last one started here). */
  const sessionId = ref<string | null>(null)
  const sessionTitle = ref('')
  const lastExit = ref<TerminalExit | null>(null)
  const running = computed(() => sessionId.value !== null && lastExit.value === null)

  const hyperscale = computed(() => list.value?.repos.filter((r) => r.hyperscale) ?? [])
  const otherByFile = computed(() => {
    const owners = new Map((list.value?.files ?? []).map((f) => [f.path, f.owner]))
    const groups = new Map<string, { file: string; owner?: string; repos: RepoList['repos'] }>()
    for (const r of list.value?.repos ?? []) {
      if (r.hyperscale) continue
      const g = groups.get(r.file) ?? { file: r.file, owner: owners.get(r.file), repos: [] }
      g.repos.push(r)
      groups.set(r.file, g)
    }
    return [...groups.values()]
  })
  const ownerOf = (file: string): string | undefined => list.value?.files.find((f) => f.path === file)?.owner

  /** Re-reads the repo files and the rpm database (fast); dnf queries follow separately. */
  async function refresh(): Promise<void> {
    terminal.ensureSubscribed()
    loading.value = true
    error.value = null
    try {
      const [l, p, k] = await Promise.all([api.call('repos.list', {}), api.call('repos.prerequisites', {}), api.call('repos.kernel', {})])
      list.value = l
      prerequisites.value = p
      kernel.value = k
      // Optional: without the table the setup simply offers every flavour checkbox.
      flavours.value = await api.call('repos.flavours', {}).catch(() => null)
    } catch (e) {
      error.value = toErrorInfo(e)
    } finally {
      loading.value = false
    }
    void refreshPackages()
  }

  async function refreshPackages(): Promise<void> {
    packagesLoading.value = true
    packagesError.value = null
    try {
      provenance.value = await api.call('repos.packages', {})
    } catch (e) {
      packagesError.value = toErrorInfo(e)
    } finally {
      packagesLoading.value = false
    }
  }

  /** Which part of the view asked for the plan: the card appears there, not at the top. */
  const origin = ref('')

  /** Asks the service for the exact commands; nothing runs until confirm(). */
  async function propose(action: ReposActionInput, where = ''): Promise<void> {
    origin.value = where
    planning.value = true
    planError.value = null
    pending.value = null
    try {
      pending.value = { action, plan: await api.call('repos.plan', { action }) }
    } catch (e) {
      planError.value = toErrorInfo(e)
    } finally {
      planning.value = false
    }
  }

  function cancel(): void {
    pending.value = null
    planError.value = null
  }

  /** Shows a command that is still running from before (page reloaded); refreshes when it ends. */
  async function resume(): Promise<void> {
    if (sessionId.value) return
    const sessions = await terminal.list().catch(() => [])
    const live = sessions.filter((s) => s.status === 'running').pop()
    if (!live) return
    terminal.adopt(live)
    sessionId.value = live.id
    sessionTitle.value = live.title
    lastExit.value = await terminal.whenExited(live.id)
    await refresh()
  }

  /** Runs the confirmed action (the service rebuilds the plan itself) and refreshes when it ends. */
  async function confirm(): Promise<void> {
    const p = pending.value
    if (!p || running.value) return
    pending.value = null
    planError.value = null
    try {
      const { session } = await api.call('repos.run', { action: p.action, digest: p.plan.digest })
      terminal.track(session)
      sessionId.value = session.id
      sessionTitle.value = session.title
      lastExit.value = null
      lastExit.value = await terminal.whenExited(session.id)
    } catch (e) {
      const err = toErrorInfo(e)
      // The system changed after the user confirmed: show the new commands to confirm again.
      if (err.name === 'PlanChanged') await propose(p.action, origin.value)
      planError.value = err
    } finally {
      await refresh()
    }
  }

  return {
    list,
    prerequisites,
    provenance,
    kernel,
    flavours,
    loading,
    packagesLoading,
    error,
    packagesError,
    pending,
    planning,
    origin,
    planError,
    sessionId,
    sessionTitle,
    lastExit,
    running,
    hyperscale,
    otherByFile,
    ownerOf,
    refresh,
    refreshPackages,
    resume,
    propose,
    cancel,
    confirm
  }
})
