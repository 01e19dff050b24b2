import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DownloadInfo, DriveInfo, DriveList, ErrorInfo, RestoreResult, WriteJob } from '../../../shared/contract'
import { toErrorInfo } from '../../../shared/contract/errors'
import { isVerifiedState } from '../../../shared/contract/verification'
import { api } from '../api'

/** An image the user can pick: a download of the spins service, or a local file. */
export interface ImageChoice {
  key: string
  path: string
  name: string
  size: number
  /** A VerificationState (shared/contract/verification.ts), or "local" (a file with a SHA-256 typed in). */
  state: string
  sha256?: string
  source: 'download' | 'local'
}

const VERIFIED = { has: (state: string): boolean => isVerifiedState(state) }
export const isVerified = (i: ImageChoice | null): boolean => Boolean(i && i.sha256 && (VERIFIED.has(i.state) || i.source === 'local'))

/** Finished downloads of the spins service, verified ones first. */
async function downloads(): Promise<ImageChoice[]> {
  let list: DownloadInfo[]
  try {
    list = await api.call('spins.download.list', {})
  } catch {
    return []
  }
  const out: ImageChoice[] = list
    .filter((d) => d.status === 'done')
    .map((d) => {
      const v = d.verification
      return {
        key: `dl:${d.id}`,
        path: d.path,
        name: d.name,
        size: d.total ?? d.bytes,
        state: v?.state ?? 'not-checked',
        sha256: v?.algorithm === 'sha256' ? v.actual : d.sha256,
        source: 'download' as const
      }
    })
  return out.sort((a, b) => Number(VERIFIED.has(b.state)) - Number(VERIFIED.has(a.state)))
}

export const useDrivesStore = defineStore('drives', () => {
  const list = ref<DriveList | null>(null)
  const listError = ref<ErrorInfo | null>(null)
  const loading = ref(false)
  const images = ref<ImageChoice[]>([])
  const image = ref<ImageChoice | null>(null)
  const imageError = ref<ErrorInfo | null>(null)
  const selected = ref<string[]>([])
  const allowUnverified = ref(false)
  const job = ref<WriteJob | null>(null)
  const writeError = ref<ErrorInfo | null>(null)
  const restoring = ref<string | null>(null)
  const restoreResult = ref<RestoreResult | null>(null)
  const restoreError = ref<ErrorInfo | null>(null)
  const ejectNote = ref<string | null>(null)
  let offChanged: (() => void) | null = null
  let offBackend: (() => void) | undefined
  let offProgress: (() => void) | null = null

  const drives = computed<DriveInfo[]>(() => list.value?.drives ?? [])
  const offered = computed(() => drives.value.filter((d) => d.offered))
  const chosen = computed(() => offered.value.filter((d) => selected.value.includes(d.id)))
  const tooSmall = (d: DriveInfo): boolean => Boolean(image.value && d.size < image.value.size)
  const running = computed(() => Boolean(job.value && !['done', 'failed', 'cancelled'].includes(job.value.stage)))
  const canWrite = computed(
    () => Boolean(image.value) && chosen.value.length > 0 && chosen.value.every((d) => !tooSmall(d)) && (isVerified(image.value) || allowUnverified.value) && !running.value
  )

  async function refresh(): Promise<void> {
    loading.value = true
    try {
      list.value = await api.call('drives.list', image.value ? { imageSize: image.value.size } : {})
      listError.value = null
      // A drive that went away (or stopped being offered) is no longer selected.
      selected.value = selected.value.filter((id) => offered.value.some((d) => d.id === id))
    } catch (e) {
      listError.value = toErrorInfo(e)
    } finally {
      loading.value = false
    }
  }

  async function loadImages(): Promise<void> {
    images.value = await downloads()
    if (!image.value) image.value = images.value.find((i) => VERIFIED.has(i.state)) ?? null
  }

  async function useLocal(path: string, sha256: string): Promise<void> {
    imageError.value = null
    try {
      const f = await api.call('drives.image', { path })
      const hash = sha256.trim().toLowerCase()
      if (hash && !/^[0-9a-f]{64}$/.test(hash)) throw Object.assign(new Error('The SHA-256 must be 64 hex digits.'), { name: 'ValidationError' })
      image.value = { key: `local:${f.path}`, path: f.path, name: f.name, size: f.size, state: hash ? 'local' : 'not-checked', sha256: hash || undefined, source: 'local' }
      allowUnverified.value = false
    } catch (e) {
      imageError.value = toErrorInfo(e)
    }
  }

  function pick(choice: ImageChoice): void {
    image.value = choice
    allowUnverified.value = false
  }

  function toggle(id: string): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id]
  }

  function follow(): void {
    offProgress ??= api.on('drives.progress', (j) => {
      if (!job.value || j.jobId === job.value.jobId) job.value = j
    })
    // After a crash of the service process the job's last state comes from its journal.
    offBackend ??= api.on('app.backend', (s) => {
      if (s.state !== 'restarted' || !job.value) return
      const id = job.value.jobId
      void api.call('drives.jobs', {}).then((jobs) => {
        const j = jobs.find((x) => x.jobId === id)
        if (j) job.value = j
      }, () => undefined)
    })
  }

  async function write(opts: { verify: boolean; after: 'none' | 'eject' | 'poweroff' }): Promise<boolean> {
    if (!image.value || !canWrite.value) return false
    writeError.value = null
    ejectNote.value = null
    follow()
    try {
      const started = await api.call('drives.write', {
        image: image.value.path,
        targets: chosen.value.map((d) => ({ device: d.device, token: d.token })),
        verify: opts.verify,
        expectedSha256: isVerified(image.value) ? image.value.sha256 : undefined,
        allowUnverified: !isVerified(image.value) && allowUnverified.value,
        after: opts.after
      })
      // Progress may already have arrived for this job: keep the newer state.
      if (!job.value || job.value.jobId !== started.jobId) job.value = started
      return true
    } catch (e) {
      writeError.value = toErrorInfo(e)
      return false
    }
  }

  async function cancel(): Promise<void> {
    if (job.value) job.value = await api.call('drives.cancel', { jobId: job.value.jobId })
  }

  /** After a reload: show a job that is still running. */
  async function resume(): Promise<void> {
    follow()
    const jobs = await api.call('drives.jobs', {}).catch(() => [] as WriteJob[])
    const live = jobs.find((j) => !['done', 'failed', 'cancelled'].includes(j.stage))
    if (live) job.value = live
  }

  function reset(): void {
    job.value = null
    writeError.value = null
    ejectNote.value = null
    void refresh()
  }

  async function eject(device: string, powerOff: boolean): Promise<void> {
    ejectNote.value = null
    try {
      // Only a drive from the current list, named with its token, is ejected or powered off.
      const token = list.value?.drives.find((d) => d.device === device)?.token ?? ''
      await api.call('drives.eject', { device, token, powerOff })
      ejectNote.value = `${device} ${powerOff ? 'was powered off' : 'was ejected'}: you can unplug it.`
    } catch (e) {
      ejectNote.value = toErrorInfo(e).message
    }
  }

  async function restore(d: DriveInfo, label: string): Promise<void> {
    restoring.value = d.id
    restoreResult.value = null
    restoreError.value = null
    try {
      restoreResult.value = await api.call('drives.restore', { device: d.device, token: d.token, ...(label ? { label } : {}) })
    } catch (e) {
      restoreError.value = toErrorInfo(e)
    } finally {
      restoring.value = null
      void refresh()
    }
  }

  /** The live drive list: the service watches UDisks2 only while someone listens. */
  function startLive(): void {
    offChanged ??= api.on('drives.changed', (l) => {
      list.value = l
      listError.value = null
      selected.value = selected.value.filter((id) => l.drives.some((d) => d.id === id && d.offered))
    })
  }
  function stopLive(): void {
    offChanged?.()
    offChanged = null
    offProgress?.()
    offProgress = null
  }

  return {
    list,
    listError,
    loading,
    images,
    image,
    imageError,
    selected,
    allowUnverified,
    job,
    writeError,
    restoring,
    restoreResult,
    restoreError,
    ejectNote,
    drives,
    offered,
    chosen,
    running,
    canWrite,
    tooSmall,
    refresh,
    loadImages,
    useLocal,
    pick,
    toggle,
    write,
    cancel,
    resume,
    reset,
    eject,
    restore,
    startLive,
    stopLive
  }
})
