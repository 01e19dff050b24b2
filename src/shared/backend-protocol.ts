import type { ClientMessage, ServerMessage } from './ws-protocol'

/**
 * The service process speaks the browser mode's wire messages to the shell that started it
 * (Electron's main, or a test), plus a `ready` when its router is up.
 */
export type BackendRequest = ClientMessage
export type BackendMessage = ServerMessage | { t: 'ready'; pid: number }
