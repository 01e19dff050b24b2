/** The only three Electron IPC channels; everything else rides on the contract. */
export const IPC = {
  call: 'hsc:call',
  subscribe: 'hsc:subscribe',
  event: 'hsc:event'
} as const
