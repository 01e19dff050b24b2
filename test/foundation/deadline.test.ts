// system/deadline.ts: a deadline whose timer is set only when something still waits once this
// turn's promise jobs have run (a cold `hsc inspect` reads files only, and sets none).
import { describe, expect, it } from 'vitest'
import { lazyDeadline } from '../../src/main/services/system/deadline'

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('lazyDeadline', () => {
  it('work settled by promise jobs alone (synchronous reads behind async functions) sets no timer', async () => {
    await Promise.resolve() // from here on, inside a promise job, as a report runs
    const before = timers()
    let waiting = true
    const deadline = lazyDeadline(60_000, () => waiting)
    for (let i = 0; i < 100; i++) await Promise.resolve()
    waiting = false
    await nextTurn()
    expect(timers()).toBe(before)
    deadline.cancel()
  })

  it('work still waiting after them gets its deadline, which passes', async () => {
    await Promise.resolve()
    const before = timers()
    const deadline = lazyDeadline(30, () => true)
    await nextTurn()
    expect(timers()).toBe(before + 1)
    expect(await deadline.reached).toBe('over')
    expect(timers()).toBe(before)
  })

  it('cancelled, it clears its timer and never passes', async () => {
    await Promise.resolve()
    const before = timers()
    const deadline = lazyDeadline(20, () => true)
    await nextTurn()
    expect(timers()).toBe(before + 1)
    deadline.cancel()
    expect(timers()).toBe(before)
    const outcome = await Promise.race([deadline.reached, new Promise((resolve) => setTimeout(() => resolve('still pending'), 60))])
    expect(outcome).toBe('still pending')
  })

  it('cancelled before the turn ends, it sets no timer at all', async () => {
    await Promise.resolve()
    const before = timers()
    const deadline = lazyDeadline(20, () => true)
    deadline.cancel()
    await nextTurn()
    expect(timers()).toBe(before)
  })
})
