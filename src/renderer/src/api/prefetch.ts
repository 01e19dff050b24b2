import type { MethodName, MethodOutput } from '../../../shared/contract'
import { api, sessionAnswer, transport } from '.'
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
const settled = new Map<MethodName, unknown>()

// The Overview is the route "/" (an empty hash too, before the router sets it).
if (/^(#\/?)?$/.test(location.hash)) {
  const report = sessionAnswer.then(firstReportFrom, () => undefined).then((first) => first ?? api.call('inspect.report', {}))
  report.then(
    (value) => void (early.has('inspect.report') && settled.set('inspect.report', value)),
    () => undefined // whoever takes it sees the error; nobody may never take it
  )
  early.set('inspect.report', report)
}

export function takePrefetched<M extends MethodName>(method: M): Promise<MethodOutput<M>> | undefined {
  const p = early.get(method) as Promise<MethodOutput<M>> | undefined
  early.delete(method)
  settled.delete(method)
  return p
}

/** The prefetched answer if it has already arrived (handed out once), for a first render with the data in it. */
export function takeArrived<M extends MethodName>(method: M): MethodOutput<M> | undefined {
  if (!settled.has(method)) return undefined
  const value = settled.get(method) as MethodOutput<M>
  takePrefetched(method)
  return value
}

/**
 * Browser mode: resolves when the first view's data is in, or after `capMs`. Mounting then
 * renders the Overview with its checks in the first frame, instead of painting the empty
 * shell and then laying out and painting again (the report usually arrives with or before
 * the app's script). Electron mounts at once, as before.
 */
export function firstDataOrAfter(capMs: number): Promise<void> {
  if (transport !== 'browser' || early.size === 0) return Promise.resolve()
  return Promise.race([Promise.allSettled([...early.values()]).then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, capMs))])
}
