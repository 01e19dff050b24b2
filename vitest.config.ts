import { defineConfig } from 'vitest/config'
import { RUN_DIRS } from './test/support/run-dirs'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: RUN_DIRS,
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
