import { afterEach, describe, expect, it } from 'vitest'
import { stallWatch, type StallWatch } from '../../src/main/services/spins/stall-watch'
import { blockEventLoop as block, loopbackLink as loopback } from '../support/busy-loop'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('stall watch: only a mirror that really sent nothing is called stalled', () => {
  const open: StallWatch[] = []
  afterEach(() => open.splice(0).forEach((w) => w.stop()))

  it('bytes waiting in the kernel while the event loop was blocked are not a stall; real silence afterwards is', async () => {
    const stalls: number[] = []
    const plainTimerFired: number[] = []
    const watch = stallWatch(100, () => stalls.push(Date.now()))
    open.push(watch)
    const link = await loopback(() => watch.waiting())
    try {
      // The control: what a plain timer makes of the same moment.
      const plain = setTimeout(() => plainTimerFired.push(Date.now()), 100)
      link.send(64 * 1024)
      block(250)
      await sleep(20)
      clearTimeout(plain)
      expect(plainTimerFired).toHaveLength(1)
      expect(stalls).toEqual([])

      // Nothing more comes: that is a stall.
      await sleep(300)
      expect(stalls).toHaveLength(1)
    } finally {
      await link.close()
    }
  })

  it('time spent on our own work does not count; the quiet time starts when it is done', async () => {
    const stalls: number[] = []
    const watch = stallWatch(100, () => stalls.push(Date.now()))
    open.push(watch)
    watch.busy()
    await sleep(250)
    block(150)
    await sleep(20)
    expect(stalls).toEqual([])
    watch.waiting()
    await sleep(400)
    expect(stalls).toHaveLength(1)
  })

  it('stop ends it: no stall after the transfer is over', async () => {
    const stalls: number[] = []
    const watch = stallWatch(50, () => stalls.push(Date.now()))
    watch.stop()
    await sleep(150)
    expect(stalls).toEqual([])
  })
})
