import type { MethodName, MethodOutput } from '../../../shared/contract'
import { api, sessionAnswer } from '.'
import { firstReportFrom } from './first-report'

/**
 * The first view's data is asked for while the rest of the app is still being evaluated and
 * mounted, not after: on a fresh load, running Vue and mounting the app takes about as long
 * as the Overview's inspection, so the two now overlap. main.ts imports this module first.
 * In browser mode the report usually comes with the session exchange that index.html's boot
 * script started before this code arrived; when it does not (a reload, Electron, a broken or
 * missing body), it is asked for as before. A prefetched answer is handed out once; every
 * later call goes out anew.
 */
const early = new Map<MethodName, Promise<unknown>>()

// The Overview is the route "/" (an empty hash too, before the router sets it).
if (/^(#\/?)?$/.test(location.hash)) {
  const report = sessionAnswer.then(firstReportFrom, () => undefined).then((first) => first ?? api.call('inspect.report', {}))
  report.catch(() => undefined) // whoever takes it sees the error; nobody may never take it
  early.set('inspect.report', report)
}

export function takePrefetched<M extends MethodName>(method: M): Promise<MethodOutput<M>> | undefined {
  const p = early.get(method) as Promise<MethodOutput<M>> | undefined
  early.delete(method)
  return p
}
