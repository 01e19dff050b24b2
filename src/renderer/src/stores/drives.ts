import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Compression, ResolvedFile, DownloadInfo, DriveInfo, DriveList, ErrorInfo, RestoreResult, WriteJob, WriteStage } from '../../../shared/contract'
import { toErrorInfo } from '../../../shared/contract/errors'
import { isVerifiedState, type VerificationState } from '../../../shared/contract/verification'
import { api } from '../api'

/** An image the user can pick: a download of the spins service, or a local file. */
export interface ImageChoice {
  key: string
  path: string
  name: string
  size: number
  /** How the download was verified, or "local" (a file with a SHA-256 typed in). */
  state: VerificationState | 'local'
  sha256?: string
  source: 'download' | 'local'
  /** Set for an xz / zstd / gzip image: size is then the decompressed size, fileSize the file's. */
  compression?: Compression
  fileSize?: number
  /** False when the decompressed size is only estimated (gzip). */
  sizeExact?: boolean
}

/** Jobs that only read a drive (verify a stick, back a stick up) are shown apart from writes. */
export const isReadJob = (j: WriteJob): boolean => j.kind === 'verify' || j.kind === 'backup'

/** A drive that may be read: offered for writing, or only write-protected. */
export const isReadable = (d: DriveInfo): boolean => d.offered || (d.reasons.length > 0 && d.reasons.every((r) => r.startsWith('read-only')))

const VERIFIED = { has: (state: ImageChoice['state']): boolean => isVerifiedState(state) }

/** The contract's SHA-256 rule (drives.write's expectedSha256), loaded on demand: zod stays out of the first paint. */
let sha256Rule: Promise<(s: string) => boolean> | undefined
const isSha256 = (s: string): Promise<boolean> =>
  (sha256Rule ??= import('../../../shared/contract/drives').then((m) => (x: string) => m.sha256Schema.safeParse(x).success)).then((ok) => ok(s))
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

export type UnbootableOutcome = Extract<WriteStage, 'failed' | 'cancelled'>

/** A drive left without a bootable image by a failed or cancelled write; kept across reloads. */
export interface UnbootableNote {
  device: string
  serial: string
  model: string
  outcome: UnbootableOutcome
  at: string
}

const NOTES_KEY = 'hsc-unbootable-drives'

function loadNotes(): UnbootableNote[] {
  try {
    const raw = JSON.parse(localStorage.getItem(NOTES_KEY) ?? '[]') as unknown
    if (!Array.isArray(raw)) return []
    // localStorage is ours, but a damaged value must not break the view.
    return raw
      .filter((n): n is UnbootableNote => Boolean(n) && typeof n.device === 'string' && typeof n.outcome === 'string')
      .map((n): UnbootableNote => ({
        device: n.device.slice(0, 256),
        serial: String(n.serial ?? '').slice(0, 256),
        model: String(n.model ?? '').slice(0, 256),
        outcome: n.outcome === 'cancelled' ? 'cancelled' : 'failed',
        at: String(n.at ?? '').slice(0, 40)
      }))
      .slice(0, 16)
  } catch {
    return []
  }
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
  const unbootable = ref<UnbootableNote[]>(loadNotes())
  const readJob = ref<WriteJob | null>(null)
  const readError = ref<ErrorInfo | null>(null)
  let offChanged: (() => void) | null = null
  let offBackend: (() => void) | undefined
  let offProgress: (() => void) | null = null

  const drives = computed<DriveInfo[]>(() => list.value?.drives ?? [])
  const offered = computed(() => drives.value.filter((d) => d.offered))
  const chosen = computed(() => offered.value.filter((d) => selected.value.includes(d.id)))
  // An estimated size (gzip) does not block: the write itself stops where a drive ends.
  const tooSmall = (d: DriveInfo): boolean => Boolean(image.value && image.value.sizeExact !== false && d.size < image.value.size)
  const running = computed(() => Boolean(job.value && !['done', 'failed', 'cancelled'].includes(job.value.stage)))
  const canWrite = computed(
    () =>
      Boolean(image.value) &&
      chosen.value.length > 0 &&
      chosen.value.every((d) => !tooSmall(d)) &&
      (isVerified(image.value) || allowUnverified.value) &&
      !running.value
  )

  /** Why the Write button is disabled, as sentences (empty when it is enabled). */
  const blockers = computed<string[]>(() => {
    const out: string[] = []
    if (running.value) return ['A write is running.']
    if (!image.value) out.push('Choose an image first (step 1).')
    else if (!isVerified(image.value) && !allowUnverified.value) out.push('The image is not verified: give its SHA-256 or tick the override in step 1.')
    if (chosen.value.length === 0) out.push(offered.value.length ? 'Choose at least one drive (step 2).' : 'Plug in a USB stick or an SD card (step 2).')
    for (const d of chosen.value.filter(tooSmall)) out.push(`${d.device} is too small for this image.`)
    return out
  })

  function saveNotes(): void {
    try {
      localStorage.setItem(NOTES_KEY, JSON.stringify(unbootable.value))
    } catch {
      // Private mode or a full quota: the notice still shows until the page is closed.
    }
  }
  const sameDrive = (n: UnbootableNote, d: { device: string; serial?: string }): boolean =>
    n.device === d.device && (!n.serial || !d.serial || n.serial === d.serial)
  /** The persisted "will not boot" note for a drive, if any. */
  const unbootableOf = (d: { device: string; serial?: string }): UnbootableNote | undefined => unbootable.value.find((n) => sameDrive(n, d))
  function forget(d: { device: string; serial?: string }): void {
    unbootable.value = unbootable.value.filter((n) => !sameDrive(n, d))
    saveNotes()
  }
  /** Remembers what a finished job did to each drive. */
  function record(j: WriteJob): void {
    if (!['done', 'failed', 'cancelled'].includes(j.stage) || isReadJob(j)) return
    for (const t of j.targets) {
      const d = drives.value.find((x) => x.id === t.id)
      const key = { device: t.device, serial: d?.serial }
      if (t.stage === 'done') forget(key)
      else if (t.notBootable && !unbootableOf(key)) {
        unbootable.value = [
          ...unbootable.value,
          {
            device: t.device,
            serial: d?.serial ?? '',
            model: t.model,
            outcome: t.stage === 'cancelled' ? 'cancelled' : 'failed',
            at: j.finishedAt ?? new Date().toISOString()
          }
        ]
        saveNotes()
      }
    }
  }

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
    if (image.value) void describe(image.value.path)
  }

  async function useLocal(path: string, sha256: string): Promise<void> {
    imageError.value = null
    try {
      const f = await api.call('drives.image', { path })
      const hash = sha256.trim().toLowerCase()
      if (hash && !(await isSha256(hash))) throw Object.assign(new Error('The SHA-256 must be 64 hex digits.'), { name: 'ValidationError' })
      image.value = {
        key: `local:${f.path}`,
        path: f.path,
        name: f.name,
        size: f.size,
        compression: f.compression,
        fileSize: f.fileSize,
        sizeExact: f.sizeExact,
        state: hash ? 'local' : 'not-checked',
        sha256: hash || undefined,
        source: 'local'
      }
      allowUnverified.value = false
    } catch (e) {
      imageError.value = toErrorInfo(e)
    }
  }

  /** A file from the picker: usable at once, verified only once a SHA-256 is given. */
  async function useFile(f: ResolvedFile, sha256 = ''): Promise<void> {
    imageError.value = null
    image.value = { key: `local:${f.path}`, path: f.path, name: f.name, size: f.size, state: 'not-checked', source: 'local' }
    allowUnverified.value = false
    await setSha(sha256)
    void describe(f.path)
  }

  /** What the container says: a compressed image is as large as its decompressed content. */
  async function describe(path: string): Promise<void> {
    try {
      const f = await api.call('drives.image', { path })
      if (image.value?.path !== f.path) return
      image.value = { ...image.value, size: f.size, compression: f.compression, fileSize: f.fileSize, sizeExact: f.sizeExact }
    } catch (e) {
      if (image.value?.path === path) imageError.value = toErrorInfo(e)
    }
  }

  /** The SHA-256 the user pasted for a local file; anything but 64 hex digits is refused with a sentence. */
  async function setSha(sha256: string): Promise<void> {
    const hash = sha256.trim().toLowerCase()
    const valid = !hash || (await isSha256(hash))
    // Read after the check: the user may have picked another image meanwhile.
    const img = image.value
    if (!img || img.source !== 'local') return
    imageError.value = null
    if (!valid) {
      imageError.value = {
        name: 'ValidationError',
        message: 'A SHA-256 is 64 hexadecimal digits (0-9, a-f).',
        hint: 'Copy it from the CHECKSUM file published next to the image.'
      }
      image.value = { ...img, state: 'not-checked', sha256: undefined }
      return
    }
    image.value = { ...img, state: hash ? 'local' : 'not-checked', sha256: hash || undefined }
  }

  function clearImage(): void {
    image.value = null
    imageError.value = null
  }

  function pick(choice: ImageChoice): void {
    image.value = choice
    allowUnverified.value = false
    void describe(choice.path)
  }

  function toggle(id: string): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id]
  }

  function follow(): void {
    offProgress ??= api.on('drives.progress', (j) => {
      if (isReadJob(j)) {
        if (readJob.value?.jobId === j.jobId) readJob.value = j
        return
      }
      if (!job.value || j.jobId === job.value.jobId) job.value = j
      record(j)
    })
    // After a crash of the service process the job's last state comes from its journal.
    offBackend ??= api.on('app.backend', (s) => {
      if (s.state !== 'restarted' || !job.value) return
      const id = job.value.jobId
      void api.call('drives.jobs', {}).then(
        (jobs) => {
          const j = jobs.find((x) => x.jobId === id)
          if (j) job.value = j
        },
        () => undefined
      )
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
    for (const j of jobs) record(j)
    const live = jobs.find((j) => !['done', 'failed', 'cancelled'].includes(j.stage) && !isReadJob(j))
    if (live) job.value = live
    const reading = jobs.find((j) => !['done', 'failed', 'cancelled'].includes(j.stage) && isReadJob(j))
    if (reading) readJob.value = reading
  }

  const reading = computed(() => Boolean(readJob.value && !['done', 'failed', 'cancelled'].includes(readJob.value.stage)))

  async function startRead(start: () => Promise<WriteJob>): Promise<void> {
    readError.value = null
    follow()
    try {
      const started = await start()
      if (!readJob.value || readJob.value.jobId !== started.jobId) readJob.value = started
    } catch (e) {
      readError.value = toErrorInfo(e)
    }
  }

  /** Compares a stick with the chosen image (never writes it). */
  function verifyStick(d: DriveInfo, imagePath: string): Promise<void> {
    return startRead(() => api.call('drives.verify', { device: d.device, token: d.token, image: imagePath }))
  }

  /** Copies a stick into a file (never writes the stick). */
  function backupStick(d: DriveInfo, file: string, opts: { compress: 'none' | 'zstd'; whole: boolean; overwrite: boolean }): Promise<void> {
    return startRead(() => api.call('drives.backup', { device: d.device, token: d.token, file, ...opts }))
  }

  async function cancelRead(): Promise<void> {
    if (readJob.value) readJob.value = await api.call('drives.cancel', { jobId: readJob.value.jobId })
  }

  function clearRead(): void {
    readJob.value = null
    readError.value = null
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
      forget(d)
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
    unbootable,
    unbootableOf,
    readJob,
    readError,
    reading,
    verifyStick,
    backupStick,
    cancelRead,
    clearRead,
    forget,
    blockers,
    useFile,
    setSha,
    clearImage,
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
