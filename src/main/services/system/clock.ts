/**
 * Monotonic milliseconds. The global `performance` loads perf_hooks and eight internal modules
 * on first touch, over 1 ms of a cold `hsc inspect`; process.hrtime is already there.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/**
 * `new Date(ms).toISOString()` without the date's first use of the time zone: V8 reads and
 * parses /etc/localtime for it (~0.2 ms of a cold `hsc inspect`), though the text is UTC.
 * Days to a civil date as in Howard Hinnant's `civil_from_days`; years 0 to 9999.
 */
export function utcIsoString(ms: number): string {
  const days = Math.floor(ms / 86_400_000)
  const inDay = ms - days * 86_400_000
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`)
  const ms3 = inDay % 1000
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(Math.floor(inDay / 3_600_000))}:${two(Math.floor(inDay / 60_000) % 60)}:${two(Math.floor(inDay / 1000) % 60)}.${ms3 < 10 ? '00' : ms3 < 100 ? '0' : ''}${ms3}Z`
}
