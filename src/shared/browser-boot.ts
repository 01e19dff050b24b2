/**
 * Browser mode's first request, started by a few lines inlined into index.html, before the
 * app's script has even arrived: the token leaves the address bar and is exchanged for the
 * session cookie at once, and on the Overview the same request brings the first inspection
 * report back (the exchange is authenticated by the token, so the report goes only to the
 * holder of the link). The app's script picks the pending response up from `window[BOOT_GLOBAL]`
 * and, if it is absent or unusable, does the exchange and asks over the WebSocket itself.
 *
 * The text is inlined verbatim by the renderer build and allowed by its SHA-256 in the CSP
 * (src/main/security.ts): it must stay one fixed string, with no build-time substitutions.
 * Electron's window has `window.hsc` (the preload) and the script does nothing there.
 */
export const BOOT_GLOBAL = '__hscSession'

/** `POST /session?first=inspect.report`: the answer's body carries the Overview's report. */
export const FIRST_REPORT_QUERY = 'first=inspect.report'

/** What the exchange answers with `?first=inspect.report` (200, application/json). */
export interface FirstReportBody {
  first: { method: 'inspect.report'; result: unknown }
}

/** The link's fragment: `#token=T`, optionally followed by the route (`#/drives`). */
export const TOKEN_FRAGMENT = /^#token=([A-Za-z0-9_-]+)(#.*)?$/

export const BOOT_SCRIPT = `(function () {
  if (window.hsc) return
  var m = ${TOKEN_FRAGMENT}.exec(location.hash)
  if (!m) return
  var rest = m[2] || '#/'
  history.replaceState(null, '', location.pathname + location.search + rest)
  var first = /^#\\/?$/.test(rest) ? '?${FIRST_REPORT_QUERY}' : ''
  window.${BOOT_GLOBAL} = fetch('/session' + first, { method: 'POST', headers: { Authorization: 'Bearer ' + m[1] }, credentials: 'same-origin', cache: 'no-store' })
})()`
