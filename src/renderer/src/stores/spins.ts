import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CatalogueState, DownloadInfo, ErrorInfo, SpinImage, VerificationState, VerifyResult } from '../../../shared/contract'
import { describeError, toErrorInfo } from '../../../shared/contract/errors'
import { VERIFICATION_LABEL, VERIFICATION_TONE } from '../../../shared/contract/verification'
import { api } from '../api'

type Failure = Pick<ErrorInfo, 'message' | 'hint'>
/** The stage goes into the message: the spins view shows message and hint only. */
const failure = (e: unknown): Failure => {
  const { stage, message, hint } = toErrorInfo(e)
  return { message: describeError({ stage, message }), hint }
}

/** The shared wording and badge colour of each state (one table for every surface). */
export const VERIFICATION_TEXT: Record<VerificationState, string> = VERIFICATION_LABEL
export { VERIFICATION_TONE }

export const ACTIVE = new Set<DownloadInfo['status']>(['queued', 'checking', 'hashing-part', 'downloading', 'verifying'])

export const useSpinsStore = defineStore('spins', () => {
  const state = ref<CatalogueState | null>(null)
  const loading = ref(false)
  const refreshing = ref(false)
  const error = ref<Failure | null>(null)
  const downloads = ref<DownloadInfo[]>([])
  const actionError = ref<Failure | null>(null)
  const verifying = ref(false)
  const verifyResult = ref<VerifyResult | null>(null)
  const verifyError = ref<Failure | null>(null)
  let off: (() => void) | null = null

  const spins = computed<SpinImage[]>(() => state.value?.catalogue?.spins ?? [])

  function upsert(info: DownloadInfo): void {
    const i = downloads.value.findIndex((d) => d.id === info.id)
    if (i >= 0) downloads.value.splice(i, 1, info)
    else downloads.value.unshift(info)
  }

  /** The newest download of a catalogue entry (same spin id and file name). */
  function downloadOf(spin: SpinImage): DownloadInfo | undefined {
    return downloads.value.find((d) => d.spinId === spin.id && d.name === spin.name)
  }

  async function load(): Promise<void> {
    off ??= api.on('spins.progress', upsert)
    loading.value = true
    error.value = null
    try {
      const [catalogue, list] = await Promise.all([api.call('spins.list', {}), api.call('spins.download.list', {})])
      state.value = catalogue
      downloads.value = list.sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    } catch (e) {
      error.value = failure(e)
    } finally {
      loading.value = false
    }
  }

  async function refresh(): Promise<void> {
    refreshing.value = true
    error.value = null
    try {
      state.value = await api.call('spins.refresh', {})
    } catch (e) {
      error.value = failure(e)
    } finally {
      refreshing.value = false
    }
  }

  async function act(fn: () => Promise<DownloadInfo>): Promise<void> {
    actionError.value = null
    try {
      upsert(await fn())
    } catch (e) {
      actionError.value = failure(e)
    }
  }

  const download = (spinId: string): Promise<void> => act(() => api.call('spins.download.start', { spinId }))
  const downloadUrl = (url: string, sha256?: string): Promise<void> => act(() => api.call('spins.download.start', { url, ...(sha256 ? { sha256 } : {}) }))
  const pause = (id: string): Promise<void> => act(() => api.call('spins.download.pause', { id }))
  const resume = (id: string): Promise<void> => act(() => api.call('spins.download.resume', { id }))
  const cancel = (id: string): Promise<void> => act(() => api.call('spins.download.cancel', { id }))

  /** "Verify a local file": the checksum may be a path, a URL or a pasted digest. */
  async function verify(file: string, checksum: string): Promise<void> {
    verifying.value = true
    verifyError.value = null
    verifyResult.value = null
    const c = checksum.trim()
    const isHash = /^(sha256:|sha512:)?([0-9a-f]{64}|[0-9a-f]{128})$/i.test(c)
    const isUrl = /^https?:\/\//i.test(c)
    try {
      // A typed checksum path gets the same "~" and relative-path rules as the file pickers.
      const checksumPath = c && !isHash && !isUrl ? (await api.call('files.resolve', { path: c, kind: 'checksum' })).path : c
      verifyResult.value = await api.call('spins.verify', {
        file: file.trim(),
        ...(c === '' ? {} : isHash ? { hash: c.replace(/^sha(256|512):/i, '') } : { checksum: checksumPath })
      })
    } catch (e) {
      verifyError.value = failure(e)
    } finally {
      verifying.value = false
    }
  }

  function stop(): void {
    off?.()
    off = null
  }

  return {
    state,
    spins,
    loading,
    refreshing,
    error,
    downloads,
    actionError,
    verifying,
    verifyResult,
    verifyError,
    downloadOf,
    load,
    refresh,
    download,
    downloadUrl,
    pause,
    resume,
    cancel,
    verify,
    stop
  }
})
