import os from 'node:os'
import path from 'node:path'

/**
 * The state and cache folders of one test run (vitest.config.ts hands them to every test
 * file; global-setup.ts removes them afterwards): journals, code caches and catalogues of
 * the services and hsc runs the tests start stay out of the user's own folders.
 */
export const RUN_DIRS = {
  HSC_STATE_DIR: path.join(os.tmpdir(), `hsc-test-state-${process.pid}`),
  HSC_CACHE_DIR: path.join(os.tmpdir(), `hsc-test-cache-${process.pid}`)
}
