// system/deadline.ts: a deadline whose timer is set only when something still waits once this
// turn's promise jobs have run (a cold `hsc inspect` reads files only, and sets none).
import { describe, expect, it } from 'vitest'
import { answerTimer, lazyDeadline, withAnswerTimeout } from '../../src/main/services/system/deadline'
import { blockEventLoop, loopbackLink } from '../support/busy-loop'

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

describe('answerTimer and withAnswerTimeout: an answer already waiting is never timed out', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

  it('an answer sent before the event loop was blocked past the deadline wins; a plain timer would have lost it', async () => {
    let answer!: () => void
    const answered = new Promise<string>((resolve) => (answer = () => resolve('answer')))
    const link = await loopbackLink(() => answer())
    try {
      const plain: string[] = []
      const control = setTimeout(() => plain.push('timed out'), 100)
      const outcome = withAnswerTimeout(answered, 100, () => new Error('timed out')).catch((e: Error) => e.message)
      link.send(16)
      blockEventLoop(250)
      expect(await outcome).toBe('answer')
      clearTimeout(control)
      expect(plain).toEqual(['timed out'])
    } finally {
      await link.close()
    }
  })

  it('no answer: the error comes, once the deadline has passed', async () => {
    const started = Date.now()
    const err = await withAnswerTimeout(new Promise(() => undefined), 50, () => new Error('no answer within 50 ms')).catch((e: Error) => e)
    expect((err as Error).message).toBe('no answer within 50 ms')
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
  })

  it('cancelled, it never expires', async () => {
    const expired: string[] = []
    answerTimer(20, () => expired.push('expired')).cancel()
    await sleep(60)
    expect(expired).toEqual([])
  })

  it('unref: a deadline alone does not keep the process alive', () => {
    const before = timers()
    const t = answerTimer(60_000, () => undefined, { unref: true })
    expect(timers()).toBe(before)
    t.cancel()
  })
})
