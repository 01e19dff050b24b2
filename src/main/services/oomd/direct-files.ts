import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { RootFs } from '../system/rootfs'
import type { PrivilegedFiles } from './thresholds'

/** The only directory this writer touches. */
const ALLOWED_DIR = '/etc/systemd/oomd.conf.d'

function check(systemPath: string): void {
  if (path.posix.dirname(path.posix.normalize(systemPath)) !== ALLOWED_DIR || !systemPath.endsWith('.conf')) {
    throw new AppError('NotAllowed', `Refusing to write ${systemPath}: only ${ALLOWED_DIR}/*.conf may be written.`, { stage: 'write config' })
  }
}

/**
 * Plain file access under a root: for a --root tree, or when the process already runs as
 * root (CI). The app itself uses the privileged runner instead.
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

/** Used when no privileged runner was wired in and the process is not root. */
export const noPrivilegedFiles: PrivilegedFiles = {
  writeConfigFile: () => Promise.reject(unavailable()),
  removeFile: () => Promise.reject(unavailable())
}

function unavailable(): AppError {
  return new AppError('PrivilegesUnavailable', 'Writing /etc/systemd/oomd.conf.d needs administrator rights, and no privileged runner is available.', {
    stage: 'write config',
    hint: 'Run the app with the privileged runner (pkexec) available, or use `hsc oomd set` as root.'
  })
}
