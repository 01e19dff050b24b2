import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'

/**
 * Writes through a temp file in the same directory, then renames it over the target, so a
 * reader (node-exporter's textfile collector, Ansible) sees the old file or the new one,
 * never half of one. The temp name ends in .tmp: the textfile collector reads only *.prom.
 */
export async function writeFileAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const fh = await fsp.open(tmp, 'wx', mode)
  try {
    await fh.writeFile(content)
    await fh.chmod(mode)
    await fh.sync()
  } catch (e) {
    await fh.close()
    await fsp.rm(tmp, { force: true })
    throw e
  }
  await fh.close()
  try {
    await fsp.rename(tmp, file)
  } catch (e) {
    await fsp.rm(tmp, { force: true })
    throw e
  }
}
