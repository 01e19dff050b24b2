// Which URL the Electron window loads. The Electron binary cannot run here, so `electron` is a
// stand-in (vi.mock) whose app.isPackaged the test flips; the code under test is the real module.
import { describe, expect, it, vi } from 'vitest'

const state = vi.hoisted(() => ({ isPackaged: false }))

vi.mock('electron', () => ({
  app: {
    get isPackaged() {
      return state.isPackaged
    }
  },
  net: {},
  protocol: {}
}))

const { rendererUrl } = await import('../../src/main/renderer-url')

describe('ELECTRON_RENDERER_URL (stand-in electron module)', () => {
  it('a packaged app ignores it and loads its own bundled files', () => {
    state.isPackaged = true
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' })).toEqual({ url: 'app://hsc/index.html', dev: false })
  })

  it('a development run uses the loopback dev server', () => {
    state.isPackaged = false
    expect(rendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' })).toEqual({ url: 'http://localhost:5173/', dev: true })
    expect(rendererUrl({})).toEqual({ url: 'app://hsc/index.html', dev: false })
  })

  it.each(['https://evil.example/', 'http://10.0.0.1:5173/', 'file:///tmp/x.html', 'not a url'])('a development run refuses %s', (url) => {
    state.isPackaged = false
    expect(rendererUrl({ ELECTRON_RENDERER_URL: url })).toEqual({ url: 'app://hsc/index.html', dev: false })
  })
})
