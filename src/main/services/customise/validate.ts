import { AppError } from '../../../shared/contract/errors'
import { CUSTOMISE_LIMITS } from '../../../shared/contract/customise'

// Every value here ends up in a boot configuration or a kickstart that a machine executes:
// allowlists only, and a sentence that names the field when one is refused.

const bad = (field: string, message: string, hint?: string): AppError =>
  new AppError('InvalidCustomisation', `${field}: ${message}`, { stage: 'validate', hint })

/** Names useradd accepts on CentOS, minus the ones that already exist on every system. */
const RESERVED_USERS = new Set(['root', 'bin', 'daemon', 'adm', 'lp', 'sync', 'shutdown', 'halt', 'mail', 'operator', 'games', 'ftp', 'nobody', 'liveuser'])

export function validateUser(name: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name))
    throw bad('User name', `"${clip(name)}" is not a valid user name.`, 'Use up to 32 lowercase letters, digits, "_" or "-", starting with a letter or "_".')
  if (RESERVED_USERS.has(name)) throw bad('User name', `"${name}" is a system account.`, 'Pick a personal user name.')
  return name
}

export function validateHostname(name: string): string {
  const labels = name.split('.')
  const ok = name.length <= 253 && labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))
  if (!ok) throw bad('Host name', `"${clip(name)}" is not a valid host name.`, 'Use letters, digits and "-" in dot-separated parts of up to 63 characters.')
  return name.toLowerCase()
}

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com'
])

/**
 * One OpenSSH public key line: a known type, base64 whose first field names the same type
 * (what ssh-keygen writes), and at most a simple comment. Options (from="...", command="...")
 * and private keys are refused.
 */
export function validateSshKey(raw: string): string {
  if (Buffer.byteLength(raw) > CUSTOMISE_LIMITS.sshKeyBytes)
    throw bad('SSH key', `longer than ${CUSTOMISE_LIMITS.sshKeyBytes} bytes.`, 'Give one public key (a .pub file).')
  if (raw.includes('PRIVATE KEY')) throw bad('SSH key', 'this is a private key.', 'Give the public key: the .pub file next to it.')
  const lines = raw.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length !== 1) throw bad('SSH key', `expected one public key line, found ${lines.length}.`, 'Give one public key (a .pub file).')
  const parts = lines[0].trim().split(/ +/)
  const [type, b64, ...comment] = parts
  if (!KEY_TYPES.has(type))
    throw bad('SSH key', `"${clip(type)}" is not an OpenSSH public key type.`, 'Give a key line that starts with ssh-ed25519, ssh-rsa or ecdsa-sha2-….')
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw bad('SSH key', 'the key data is not base64.')
  const blob = Buffer.from(b64, 'base64')
  const n = blob.length >= 4 ? blob.readUInt32BE(0) : -1
  if (n !== Buffer.byteLength(type) || blob.subarray(4, 4 + n).toString('latin1') !== type) throw bad('SSH key', 'the key data does not match its type.')
  const note = comment.join(' ')
  if (comment.length > 1 || !/^[A-Za-z0-9@._+:-]{0,100}$/.test(note))
    throw bad('SSH key', 'the comment after the key may only hold letters, digits and @ . _ + : -.', 'Remove or simplify the comment at the end of the line.')
  return note ? `${type} ${b64} ${note}` : `${type} ${b64}`
}

/** Arguments the customiser sets itself, or that would boot something else than the image. */
const OWNED = new Set(['inst.ks', 'rd.live.overlay', 'rd.live.overlay.overlayfs', 'root', 'init', 'rdinit', 'BOOT_IMAGE', 'initrd', 'inst.stage2'])

/**
 * A kernel argument: name[=value], no whitespace, quotes, backslashes or shell/grub
 * metacharacters ($ ; ` { } etc. are special in grub.cfg and isolinux.cfg).
 */
export function validateKernelArg(arg: string): string {
  if (arg.length > CUSTOMISE_LIMITS.kernelArgLength) throw bad('Kernel argument', `longer than ${CUSTOMISE_LIMITS.kernelArgLength} characters.`)
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)(=[A-Za-z0-9_.,:/@+=%-]*)?$/.exec(arg)
  if (!m)
    throw bad('Kernel argument', `"${clip(arg)}" is not allowed.`, 'Use name or name=value with letters, digits and _ . , : / @ + = % - only (e.g. psi=1).')
  if (OWNED.has(m[1])) throw bad('Kernel argument', `${m[1]} is set by the customisation itself or would boot something else.`)
  return arg
}

export function validateLabel(label: string): string {
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(label)) throw bad('Persistence label', `"${clip(label)}" is not a valid label.`, 'Use 1 to 16 letters, digits, "_" or "-".')
  return label
}

export function validateKickstartText(text: string, name: string): string {
  if (text.includes('\0')) throw bad('Kickstart', `${name} is not a text file.`)
  if (Buffer.byteLength(text) > CUSTOMISE_LIMITS.kickstartBytes) throw bad('Kickstart', `${name} is larger than ${CUSTOMISE_LIMITS.kickstartBytes / 1024} KiB.`)
  return text
}

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s).replace(/[^\x20-\x7e]/g, '?')
