import { describe, expect, it } from 'vitest'
import { EventHub } from '../../src/main/services/system/events'

describe('EventHub', () => {
  it('runs a producer only while someone listens, and delivers only to subscribers', () => {
    const hub = new EventHub()
    let running = 0
    let stops = 0
    hub.produce('x' as never, () => {
      running++
      return () => stops++
    })
    expect(running).toBe(0)
    const got: unknown[] = []
    const a = hub.addClient((e, p) => got.push(['a', e, p]))
    const b = hub.addClient((e, p) => got.push(['b', e, p]))
    hub.subscribe(a, 'x')
    hub.subscribe(b, 'x')
    expect(running).toBe(1)
    hub.emit('x' as never, 1 as never)
    hub.unsubscribe(a, 'x')
    hub.emit('x' as never, 2 as never)
    expect(stops).toBe(0)
    hub.removeClient(b)
    expect(stops).toBe(1)
    expect(got).toEqual([
      ['a', 'x', 1],
      ['b', 'x', 1],
      ['b', 'x', 2]
    ])
  })

  it('keeps delivering when one client throws', () => {
    const hub = new EventHub()
    const got: number[] = []
    const bad = hub.addClient(() => {
      throw new Error('gone')
    })
    const good = hub.addClient((_e, p) => got.push(p as number))
    hub.subscribe(bad, 'y')
    hub.subscribe(good, 'y')
    hub.emit('y' as never, 7 as never)
    expect(got).toEqual([7])
  })
})
