import path from 'node:path'
import type { RootFs } from '../system/rootfs'
import type { UDisksClient } from './udisks/client'
import { IFACE } from './udisks/tree'

export interface WatchedTarget {
  id: string
  device: string
  drivePath?: string
  loop: boolean
}

/**
 * Notices a drive going away while it is written or verified: UDisks2 removing its block or
 * drive object (a stick pulled out), or, for loop devices, a detach request (the kernel
 * defers it until the last close, so writes would otherwise keep "succeeding").
 */
export async function watchRemoval(
  client: UDisksClient,
  fs: RootFs,
  targets: WatchedTarget[],
  onRemoved: (id: string, why: string) => void
): Promise<() => Promise<void>> {
  const gone = new Set<string>()
  const report = (id: string, why: string): void => {
    if (gone.has(id)) return
    gone.add(id)
    onRemoved(id, why)
  }
  const stopSignals = await client.watch((c) => {
    if (c.kind !== 'removed') return
    for (const t of targets) {
      if (c.path === t.id && c.interfaces.includes(IFACE.block)) report(t.id, 'UDisks2 removed its block device')
      if (t.drivePath && c.path === t.drivePath && c.interfaces.includes(IFACE.drive)) report(t.id, 'UDisks2 removed the drive')
    }
  })

  const loops = targets.filter((t) => t.loop)
  const sys = (t: WatchedTarget, leaf: string): string => `/sys/class/block/${path.basename(t.device)}/loop/${leaf}`
  const initial = new Map<string, string | undefined>()
  for (const t of loops) initial.set(t.id, (await fs.tryReadText(sys(t, 'autoclear')))?.trim())
  const poll = async (): Promise<void> => {
    for (const t of loops) {
      const [autoclear, backing] = await Promise.all([fs.tryReadText(sys(t, 'autoclear')), fs.tryReadText(sys(t, 'backing_file'))])
      if (backing === undefined) report(t.id, 'the loop device was detached')
      else if (autoclear?.trim() === '1' && initial.get(t.id) === '0') report(t.id, 'the loop device was deleted (detach deferred until it is closed)')
    }
  }
  const timer = loops.length ? setInterval(() => void poll(), 250) : undefined
  return async () => {
    if (timer) clearInterval(timer)
    // One last look: a deletion in the final quarter second must not pass as success.
    await poll()
    await stopSignals()
  }
}
