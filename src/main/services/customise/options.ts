import { AppError } from '../../../shared/contract/errors'
import { CUSTOMISE_LIMITS, type CustomiseOptions } from '../../../shared/contract/customise'
import { FileReadError, readRegular } from '../system/safe-file'
import { validateHostname, validateKernelArg, validateKickstartText, validateLabel, validateSshKey, validateUser } from './validate'

/** Options after validation, with the files they name read (bounded, regular files only). */
export interface ResolvedOptions {
  persist?: { label: string; sizeBytes: number }
  kickstart?: { source: 'file' | 'generated'; text?: string; user?: string; sshKey?: string; hostname?: string }
  kernelArgs: string[]
}

async function readUserFile(file: string, field: string, maxBytes: number): Promise<string> {
  try {
    return (await readRegular(file, { maxBytes })).toString('utf8')
  } catch (err) {
    const why = err instanceof FileReadError ? err.message : String(err)
    throw new AppError('InvalidCustomisation', `${field}: ${why}.`, { stage: 'validate', hint: `Choose a regular file of at most ${maxBytes / 1024} KiB.` })
  }
}

export async function resolveOptions(o: CustomiseOptions): Promise<ResolvedOptions> {
  const out: ResolvedOptions = { kernelArgs: o.kernelArgs.map(validateKernelArg) }
  if (new Set(out.kernelArgs).size !== out.kernelArgs.length)
    throw new AppError('InvalidCustomisation', 'Kernel arguments: one is given twice.', { stage: 'validate' })
  if (o.persist) {
    if (o.persist.sizeBytes !== 0 && o.persist.sizeBytes < CUSTOMISE_LIMITS.minPersistBytes)
      throw new AppError('InvalidCustomisation', `Persistence size: at least ${CUSTOMISE_LIMITS.minPersistBytes / 1024 ** 2} MiB is needed.`, {
        stage: 'validate'
      })
    out.persist = { label: validateLabel(o.persist.label), sizeBytes: o.persist.sizeBytes }
  }
  const generated = o.user !== undefined || o.hostname !== undefined || o.sshKey !== undefined || o.sshKeyFile !== undefined
  if (o.kickstartFile !== undefined && generated)
    throw new AppError('InvalidCustomisation', 'A kickstart file and the user, SSH key or host name fields exclude each other.', {
      stage: 'validate',
      hint: 'Put the user, key and host name into your kickstart, or leave the kickstart file out and let them generate one.'
    })
  if (o.kickstartFile !== undefined) {
    const text = await readUserFile(o.kickstartFile, 'Kickstart', CUSTOMISE_LIMITS.kickstartBytes)
    out.kickstart = { source: 'file', text: validateKickstartText(text, o.kickstartFile) }
  } else if (generated) {
    if (o.sshKey !== undefined && o.sshKeyFile !== undefined)
      throw new AppError('InvalidCustomisation', 'Give the SSH key as a file or as text, not both.', { stage: 'validate' })
    const keyText = o.sshKeyFile !== undefined ? await readUserFile(o.sshKeyFile, 'SSH key', CUSTOMISE_LIMITS.sshKeyBytes) : o.sshKey
    const user = o.user === undefined ? undefined : validateUser(o.user)
    const sshKey = keyText === undefined ? undefined : validateSshKey(keyText)
    if (sshKey && !user)
      throw new AppError('InvalidCustomisation', 'SSH key: it needs a user name to belong to.', { stage: 'validate', hint: 'Add a user name.' })
    out.kickstart = { source: 'generated', user, sshKey, hostname: o.hostname === undefined ? undefined : validateHostname(o.hostname) }
  }
  if (!out.persist && !out.kickstart && out.kernelArgs.length === 0)
    throw new AppError('NothingToCustomise', 'Nothing to customise: no persistence, kickstart, user, host name or kernel argument was given.', {
      stage: 'validate'
    })
  return out
}
