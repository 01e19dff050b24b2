// hsc-root-helper: the only code that runs as root on the app's behalf for config files.
// pkexec starts it through libexec/hsc-root-helper; see docs/SECURITY.md.
import { closeSync, constants as fsc, openSync, readSync } from 'node:fs'
import { validateDropInContent } from '../main/services/oomd/dropin'
import { withPluginEnabled } from '../main/services/repos/reflink-conf'
import { DNF_PLUGIN_DIR, OOMD_DROPIN_DIR, parseArgs, UsageError } from './actions'
import { openDirChain, readFileAt, removeFileAt, replaceFileAt, UnsafePathError } from './safe-write'

const MAX_STDIN = 64 * 1024

function readStdin(): string {
  const chunks: Buffer[] = []
  let total = 0
  const buf = Buffer.alloc(16 * 1024)
  for (;;) {
    let n: number
    try {
      n = readSync(0, buf, 0, buf.length, null)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue
      if ((err as NodeJS.ErrnoException).code === 'EOF') break
      throw err
    }
    if (n === 0) break
    total += n
    if (total > MAX_STDIN) throw new UsageError(`the content on stdin is larger than ${MAX_STDIN} bytes`)
    chunks.push(Buffer.from(buf.subarray(0, n)))
  }
  const bytes = Buffer.concat(chunks)
  const text = bytes.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(bytes) || text.includes('\0')) throw new UsageError('the content on stdin is not plain UTF-8 text')
  return text
}

function main(argv: string[]): number {
  let req
  try {
    req = parseArgs(argv, process.env)
  } catch (err) {
    process.stderr.write(`hsc-root-helper: ${(err as Error).message}\n`)
    return 2
  }
  const dir = req.action === 'enable-dnf-reflink' ? DNF_PLUGIN_DIR : OOMD_DROPIN_DIR
  const shownDir = `${req.root ?? ''}/${dir.join('/')}`
  let rootFd: number | undefined
  let dirFd: number | undefined
  try {
    let content = ''
    if (req.action === 'write-oomd-dropin') content = validateDropInContent(readStdin())
    rootFd = openSync(req.root ?? '/', fsc.O_RDONLY | fsc.O_DIRECTORY)
    dirFd = openDirChain(rootFd, dir, req.root ?? '/')
    if (req.action === 'enable-dnf-reflink') {
      // The content is derived here, from the root-owned file itself: nothing comes from the caller.
      replaceFileAt(dirFd, req.name, withPluginEnabled(readFileAt(dirFd, req.name)))
      process.stdout.write(`Set enabled=1 in ${shownDir}/${req.name}\n`)
    } else if (req.action === 'write-oomd-dropin') {
      replaceFileAt(dirFd, req.name, content)
      process.stdout.write(`Wrote ${shownDir}/${req.name}\n`)
    } else {
      const removed = removeFileAt(dirFd, req.name)
      process.stdout.write(removed ? `Removed ${shownDir}/${req.name}\n` : `${shownDir}/${req.name} did not exist\n`)
    }
    return 0
  } catch (err) {
    const refused =
      err instanceof UsageError || err instanceof UnsafePathError || (err as Error).name === 'AppError' || (err as { stage?: string }).stage !== undefined
    process.stderr.write(`hsc-root-helper: nothing was changed: ${(err as Error).message}\n`)
    return refused ? 2 : 1
  } finally {
    if (dirFd !== undefined && dirFd !== rootFd) closeSync(dirFd)
    if (rootFd !== undefined) closeSync(rootFd)
  }
}

process.exitCode = main(process.argv.slice(2))
