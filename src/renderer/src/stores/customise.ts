import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CustomiseOptionsInput, CustomiseRecord, DriveInfo, ErrorInfo, PersistResult, WriteJob } from '../../../shared/contract'
import { DEFAULT_PERSIST_LABEL, parsePersistSize } from '../../../shared/contract/customise-values'
import { toErrorInfo } from '../../../shared/contract/errors'
import { api } from '../api'
import { isVerified, useDrivesStore, type ImageChoice } from './drives'

/**
 * The Write view's optional Customise step: the fields, the customised copy it made (which
 * becomes the image to write) and, after a write, the persistence partition on each drive.
 * The service validates everything again; the checks here only explain disabled buttons.
 */
export const useCustomiseStore = defineStore('customise', () => {
  const persistOn = ref(false)
  const persistSize = ref('max')
  const persistLabel = ref(DEFAULT_PERSIST_LABEL)
  const kernelArgs = ref('')
  const user = ref('')
  const hostname = ref('')
  const sshKey = ref('')
  const kickstartFile = ref('')
  const running = ref(false)
  const error = ref<ErrorInfo | null>(null)
  /** The copy made from `original`; writing it needs the persistence step afterwards. */
  const record = ref<CustomiseRecord | null>(null)
  const original = ref<ImageChoice | null>(null)
  const persisted = ref<Array<{ device: string; ok: boolean; text: string }>>([])

  const args = computed(() => kernelArgs.value.split(/\s+/).filter(Boolean))
  const anyOption = computed(
    () => persistOn.value || args.value.length > 0 || Boolean(user.value || hostname.value || sshKey.value.trim() || kickstartFile.value)
  )

  /** Why "Make customised copy" is disabled, or '' when it is not. */
  function blocker(image: ImageChoice | null): string {
    if (running.value) return 'A customised copy is being made.'
    if (!image) return 'Choose an image in step 1 first.'
    if (record.value && image.path === record.value.path) return 'This is already the customised copy; choose the original to customise it again.'
    if (!isVerified(image)) return 'Only a verified image can be customised: choose a verified download, or give the SHA-256 of the local file.'
    if (!anyOption.value) return 'Choose at least one option above.'
    if (kickstartFile.value && (user.value || hostname.value || sshKey.value.trim()))
      return 'Use either your own kickstart file or the user, host name and SSH key fields, not both.'
    if (sshKey.value.trim() && !user.value) return 'An SSH key needs a user name.'
    return ''
  }

  function options(): CustomiseOptionsInput {
    const o: CustomiseOptionsInput = { kernelArgs: args.value }
    if (persistOn.value) o.persist = { sizeBytes: parsePersistSize(persistSize.value), label: persistLabel.value.trim() }
    if (kickstartFile.value) o.kickstartFile = kickstartFile.value
    if (user.value) o.user = user.value.trim()
    if (hostname.value) o.hostname = hostname.value.trim()
    if (sshKey.value.trim()) o.sshKey = sshKey.value.trim()
    return o
  }

  async function run(image: ImageChoice): Promise<boolean> {
    if (blocker(image)) return false
    running.value = true
    error.value = null
    try {
      const rec = await api.call('customise.run', { image: image.path, sourceSha256: image.sha256 as string, options: options() })
      record.value = rec
      original.value = image
      // The copy is what gets written, checked against its own hash.
      await useDrivesStore().useLocal(rec.path, rec.sha256)
      return true
    } catch (e) {
      error.value = toErrorInfo(e)
      return false
    } finally {
      running.value = false
    }
  }

  /** Back to the original image: the copy stays in the download folder. */
  function discard(): void {
    const o = original.value
    record.value = null
    original.value = null
    if (o) useDrivesStore().pick(o)
  }

  /** Whether the image about to be written is a customised copy that needs its partition afterwards. */
  const needsPersist = (image: ImageChoice | null): boolean => Boolean(record.value?.persist && image && image.path === record.value.path)

  /** After the write: the persistence partition on every drive written, then eject/power off as asked. */
  async function afterWrite(job: WriteJob, drives: DriveInfo[], after: 'none' | 'eject' | 'poweroff'): Promise<void> {
    const rec = record.value
    persisted.value = []
    if (!rec?.persist || job.image !== rec.path) return
    for (const t of job.targets.filter((x) => x.stage === 'done')) {
      const d = drives.find((x) => x.device === t.device)
      if (!d) continue
      try {
        const r: PersistResult = await api.call('customise.persist', { image: rec.path, device: d.device, token: d.token })
        persisted.value.push({ device: r.device, ok: true, text: `Persistence partition “${r.label}” added.` })
        if (after !== 'none') await api.call('drives.eject', { device: d.device, token: d.token, powerOff: after === 'poweroff' })
      } catch (e) {
        const info = toErrorInfo(e)
        persisted.value.push({ device: d.device, ok: false, text: `${info.message}${info.hint ? ` ${info.hint}` : ''}` })
      }
    }
  }

  return {
    persistOn,
    persistSize,
    persistLabel,
    kernelArgs,
    user,
    hostname,
    sshKey,
    kickstartFile,
    running,
    error,
    record,
    original,
    persisted,
    anyOption,
    blocker,
    run,
    discard,
    needsPersist,
    afterWrite
  }
})
