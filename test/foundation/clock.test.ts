import { describe, expect, it } from 'vitest'
import { utcIsoString } from '../../src/main/services/system/clock'

// The report's time stamp is made without V8's time-zone set-up (system/clock.ts); it must be
// exactly what Date.prototype.toISOString prints, at every edge a calendar has.
describe('utcIsoString', () => {
  it('is toISOString for the edges of days, months, leap years and centuries, and for many instants', () => {
    const edges = [
      0,
      -1,
      86_399_999,
      Date.UTC(1970, 0, 1, 0, 0, 0, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 1, 29, 12, 0, 0, 5),
      Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 23, 59, 59, 990),
      Date.UTC(2100, 2, 1),
      Date.UTC(2024, 1, 29, 0, 0, 0, 50),
      Date.UTC(2026, 11, 1, 16, 13, 52, 398),
      Date.UTC(1900, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(100, 0, 1)
    ]
    for (const ms of edges) expect(utcIsoString(ms), String(ms)).toBe(new Date(ms).toISOString())
    // A deterministic walk over 3,000 years in uneven steps, from 0001-01-01 (Date.UTC maps years 0-99 to 19xx).
    let ms = -62_135_596_800_000
    for (let i = 0; i < 20_000; i++, ms += 4_733_611_997) expect(utcIsoString(ms)).toBe(new Date(ms).toISOString())
    expect(utcIsoString(-62_135_596_800_000)).toBe('0001-01-01T00:00:00.000Z')
  })
})
