import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import type { Plugin } from 'vite'
import { BOOT_SCRIPT } from './src/shared/browser-boot'
import { META_CSP } from './src/main/security'

// index.html gets its policy from the one in src/main/security.ts (which allows the inline boot
// script by its hash) and the boot script itself, verbatim, so the hash always matches.
const bootScript: Plugin = {
  name: 'hsc-boot-script',
  transformIndexHtml(html) {
    const out = html.replace('__HSC_CSP__', META_CSP).replace('<!-- hsc:boot -->', `<script>${BOOT_SCRIPT}</script>`)
    if (out.includes('__HSC_CSP__') || !out.includes(BOOT_SCRIPT)) throw new Error('index.html: the CSP or boot-script placeholder is missing')
    return out
  }
}

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: { input: { index: resolve('src/main/index.ts') } }
    }
  },
  preload: {
    build: {
      // Sandboxed preloads cannot require() npm modules: bundle everything, emit CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: 'src/renderer',
    resolve: { alias: { '@renderer': resolve('src/renderer/src') } },
    plugins: [vue(), bootScript],
    // No component uses the Options API (data/methods/...): Vue's support for it is dropped
    // from the first chunk, less script to parse and run before the first paint.
    define: { __VUE_OPTIONS_API__: 'false' },
    // Minified: the window's first paint waits for this JS (bench:bundle measures it).
    build: { minify: 'esbuild', rollupOptions: { input: { index: resolve('src/renderer/index.html') } } }
  }
})
