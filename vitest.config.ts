import os from 'node:os'
import path from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Write-job journals of services started by tests stay out of the user's state folder.
    env: { HSC_STATE_DIR: path.join(os.tmpdir(), `hsc-test-state-${process.pid}`) },
    environment: 'node',
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Root-only tests share loop devices, nginx ports and the system bus: keep files apart.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    outputFile: { json: 'test-results/vitest.json' }
  }
})
