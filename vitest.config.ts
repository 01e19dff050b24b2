import { defineConfig } from 'vitest/config'
import { RUN_DIRS } from './test/support/run-dirs'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: RUN_DIRS,
    environment: 'node',
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 60_000,
    // What the browser tests wait for crosses the service process and, under load, Chromium's
    // next frame: on a busy 2-core CI machine that took longer than expect.poll's default 1 s.
    // A poll still fails when what it waits for never comes, only later.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 120_000,
    // Root-only tests share loop devices, nginx ports and the system bus: keep files apart.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    outputFile: { json: 'test-results/vitest.json' }
  }
})
