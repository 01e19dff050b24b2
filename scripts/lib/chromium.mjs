// Debian's Chromium as the tests and bench:firstpaint start it (test/support/chromium.ts).
export const CHROMIUM = process.env.HSC_CHROMIUM ?? '/usr/bin/chromium'

/** Headless on this closed network: no sandbox as root, no GPU, and nothing that calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
