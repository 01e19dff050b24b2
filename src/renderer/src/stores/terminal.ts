import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { TerminalExit, TerminalSessionInfo } from '../../../shared/contract'
import { api } from '../api'

/** Receives output for one session; calls `done` once the text is on screen (flow control ack). */
export type TerminalWriter = (data: string, done: () => void) => void

/** Output kept for a session no panel shows (the tail; the service keeps its own tail too). */
const MAX_PENDING = 512 * 1024

/**
 * All terminal sessions' events, subscribed once: output that arrives before a panel is
 * attached (or after it is gone) is kept and acknowledged at once, so a command never stalls
 * on a panel nobody is looking at; an attached panel acknowledges after xterm has parsed it.
 */
export const useTerminalStore = defineStore('terminal', () => {
  const sessions = ref<Record<string, TerminalSessionInfo>>({})
  const exits = ref<Record<string, TerminalExit>>({})
  const pending = new Map<string, string>()
  const writers = new Map<string, TerminalWriter>()
  const exitListeners = new Map<string, Set<(exit: TerminalExit) => void>>()
  let subscribed = false

  function ack(id: string, chars: number): void {
    void api.call('terminal.ack', { id, chars }).catch(() => undefined)
  }

  function ensureSubscribed(): void {
    if (subscribed) return
    subscribed = true
    api.on('terminal.started', (info) => {
      sessions.value = { ...sessions.value, [info.id]: info }
    })
    api.on('terminal.data', ({ id, data }) => {
      const w = writers.get(id)
      if (w) {
        w(data, () => ack(id, data.length))
        return
      }
      pending.set(id, ((pending.get(id) ?? '') + data).slice(-MAX_PENDING))
      ack(id, data.length)
    })
    api.on('terminal.exit', (exit) => {
      exits.value = { ...exits.value, [exit.id]: exit }
      const s = sessions.value[exit.id]
      if (s) sessions.value = { ...sessions.value, [exit.id]: { ...s, status: exit.status, exit } }
      for (const l of exitListeners.get(exit.id) ?? []) l(exit)
      exitListeners.delete(exit.id)
    })
  }

  /** Starts delivering a session's output to a panel, beginning with what arrived before. */
  function attach(id: string, writer: TerminalWriter): () => void {
    ensureSubscribed()
    const earlier = pending.get(id)
    pending.delete(id)
    if (earlier) writer(earlier, () => undefined)
    writers.set(id, writer)
    return () => {
      if (writers.get(id) === writer) writers.delete(id)
    }
  }

  /** Resolves when the session ends (immediately if it already has). */
  function whenExited(id: string): Promise<TerminalExit> {
    ensureSubscribed()
    const done = exits.value[id]
    if (done) return Promise.resolve(done)
    return new Promise((resolve) => {
      const set = exitListeners.get(id) ?? new Set()
      set.add(resolve)
      exitListeners.set(id, set)
    })
  }

  /** Registers a session the caller started (its events may have arrived already). */
  function track(info: TerminalSessionInfo): void {
    ensureSubscribed()
    if (!sessions.value[info.id]) sessions.value = { ...sessions.value, [info.id]: info }
  }

  /**
   * Takes over a session started before this page loaded (a reload in browser mode while dnf
   * runs): its recent output comes from the service's tail, the rest arrives as events.
   */
  function adopt(info: TerminalSessionInfo): void {
    ensureSubscribed()
    if (sessions.value[info.id]) return
    sessions.value = { ...sessions.value, [info.id]: info }
    // Events and the sessions answer share one ordered channel: output that arrived before the
    // answer is already part of its tail, so the tail replaces it rather than adding to it.
    if (!writers.has(info.id)) pending.set(info.id, info.tail)
    if (info.exit) exits.value = { ...exits.value, [info.id]: info.exit }
  }

  const list = () => api.call('terminal.sessions', {})
  const resize = (id: string, cols: number, rows: number) => api.call('terminal.resize', { id, cols, rows }).catch(() => undefined)
  const input = (id: string, data: string) => api.call('terminal.input', { id, data }).catch(() => undefined)
  const kill = (id: string) => api.call('terminal.kill', { id })

  return { sessions, exits, ensureSubscribed, attach, whenExited, track, adopt, list, resize, input, kill }
})
