/**
 * The one reason every dnf action gives on a system that is not CentOS Stream: the Repositories
 * view shows it next to its disabled buttons and the service refuses with it (zod-free, so the
 * renderer may import it).
 */
export const STREAM_ONLY = 'Hyperscale packages are built for CentOS Stream 8, 9 and 10 only.'

export function notStreamReason(system: string): string {
  return `Not available: ${system.trim() || 'this system'} is not CentOS Stream. ${STREAM_ONLY}`
}
