// system/deadline.ts: lazyDeadline, a deadline on V8's own clock that sets no Node timer or
// tick and never keeps the process alive; answerTimer and withAnswerTimeout, whose due deadline
// expires only after the next round of I/O.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { answerTimer, lazyDeadline, withAnswerTimeout } from '../../src/main/services/system/deadline'
import { blockEventLoop, loopbackLink } from '../support/busy-loop'
import { withBundledFile } from '../support/bundled'

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const later = (ms: number): Promise<'still pending'> => new Promise((resolve) => setTimeout(() => resolve('still pending'), ms))

/** Runs `main` (JavaScript that may call lazyDeadline) as a Node process of its own; its output and how long it ran. */
function runWithDeadline(main: string): Promise<{ stdout: string; status: number | null; ms: number }> {
  return withBundledFile(
    `import { lazyDeadline } from './src/main/services/system/deadline'\n${main}`,
    (file) => {
      const started = Date.now()
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 })
      return { stdout: r.stdout, status: r.status, ms: Date.now() - started }
    },
    { loader: 'ts' }
  )
}

/** The process ended by itself, well before the 60 s deadline, having printed `stdout`. */
function endedAtOnce(r: { stdout: string; status: number | null; ms: number }, stdout: string): void {
  expect(r.status).toBe(0)
  expect(r.stdout).toBe(stdout)
  expect(r.ms).toBeLessThan(20_000)
}

describe('lazyDeadline', () => {
  it('sets no Node timer, tick or other resource: work that settles at once costs nothing more', async () => {
    await Promise.resolve() // from here on, inside a promise job, as a report runs
    const before = process.getActiveResourcesInfo()
    const deadline = lazyDeadline(60_000)
    await nextTurn()
    expect(process.getActiveResourcesInfo()).toEqual(before)
    deadline.cancel()
  })

  it('passes once its time has gone by, while something else keeps the process alive', async () => {
    const started = Date.now()
    const deadline = lazyDeadline(40)
    expect(await Promise.race([deadline.reached, later(5_000)])).toBe('over')
    expect(Date.now() - started).toBeGreaterThanOrEqual(35)
    expect(deadline.stalled).toBe(false)
  })

  it('cancelled, it never passes', async () => {
    const deadline = lazyDeadline(20)
    deadline.cancel()
    expect(await Promise.race([deadline.reached, later(100)])).toBe('still pending')
  })

  it('an answer already waiting when the loop was blocked past the deadline wins', async () => {
    let answer!: () => void
    const answered = new Promise<string>((resolve) => (answer = () => resolve('answer')))
    const link = await loopbackLink(() => answer())
    try {
      const deadline = lazyDeadline(100)
      const outcome = Promise.race([answered, deadline.reached])
      // Node's platform sets the deadline's clock going within a few turns of the event loop.
      // The block then runs in the check phase, so the next turn starts with due timers, and
      // the deadline's comes before the poll that reads the answer.
      await new Promise((resolve) => setTimeout(resolve, 20))
      await nextTurn()
      link.send(16)
      blockEventLoop(250)
      expect(await outcome).toBe('answer')
      deadline.cancel()
    } finally {
      await link.close()
    }
  })

  it('never keeps a process alive: a process with only a deadline pending ends at once', async () => {
    endedAtOnce(await runWithDeadline(`lazyDeadline(60_000); console.log('started')`), 'started\n')
  })

  it('when nothing is left that could answer, it passes then, saying so, rather than the process ending with the work unfinished', async () => {
    const r = await runWithDeadline(`
      const deadline = lazyDeadline(60_000)
      Promise.race([new Promise(() => {}), deadline.reached]).then((v) => console.log(v, deadline.stalled))`)
    endedAtOnce(r, 'over true\n')
  })

  it('a cancelled deadline leaves a process free to end', async () => {
    const r = await runWithDeadline(`
      const deadline = lazyDeadline(60_000)
      deadline.reached.then(() => console.log('passed'))
      deadline.cancel()
      console.log('done')`)
    endedAtOnce(r, 'done\n')
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
