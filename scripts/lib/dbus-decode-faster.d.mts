import type { Plugin } from 'esbuild'
export const dbusDecodeFaster: Plugin
