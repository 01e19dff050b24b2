/**
 * Monotonic milliseconds. The global `performance` loads perf_hooks and eight internal modules
 * on first touch, over 1 ms of a cold `hsc inspect`; process.hrtime is already there.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
