import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../src/shared/contract/errors'
import type { RootFs } from '../../src/main/services/system/rootfs'
import type { PrivilegedFiles } from '../../src/main/services/oomd/thresholds'

/** The only directory this writer touches. */
const ALLOWED_DIR = '/etc/systemd/oomd.conf.d'

function check(systemPath: string): void {
  if (path.posix.dirname(path.posix.normalize(systemPath)) !== ALLOWED_DIR || !systemPath.endsWith('.conf')) {
    throw new AppError('NotAllowed', `Refusing to write ${systemPath}: only ${ALLOWED_DIR}/*.conf may be written.`, { stage: 'write config' })
  }
}

/**
 * Test adapter: plain file access under a tmp root, standing in for the privileged runner's
 * config writer where a test is about the oomd logic rather than the runner.
 */
export function directFiles(fs: RootFs): PrivilegedFiles {
  return {
    async writeConfigFile(systemPath, content) {
      check(systemPath)
      const real = fs.resolve(systemPath)
      await fsp.mkdir(path.dirname(real), { recursive: true, mode: 0o755 })
      const tmp = `${real}.tmp-${process.pid}`
      // Write then rename, so systemd-oomd never reads half a file.
      await fsp.writeFile(tmp, content, { mode: 0o644 })
      await fsp.rename(tmp, real)
    },
    async removeFile(systemPath) {
      check(systemPath)
      await fsp.rm(fs.resolve(systemPath), { force: true })
    }
  }
}
