import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { commandUnavailable, nginxUnavailable, startNginx, type NginxServer } from '../../support/nginx'
import { makeTestKey, type TestKey } from './gpg'
import { buildMirror, type MirrorTree } from './mirror'

/** Why the real-mirror tests cannot run here (null when they can). */
export function mirrorUnavailable(): string | null {
  return nginxUnavailable() ?? commandUnavailable('xorriso', '-version') ?? commandUnavailable('gpg') ?? commandUnavailable('sha256sum')
}

export interface MirrorEnv {
  key: TestKey
  mirror: MirrorTree
  nginx: NginxServer
  /** Scratch directory for downloads and caches. */
  work: string
  url(prefix: string, rel: string): string
  dispose(): Promise<void>
}

/**
 * One nginx serving the generated tree under several prefixes: "/" and "/mirror2/" (two
 * mirrors of the same files), "/slow/" (rate limited), "/norange/" (ignores Range),
 * "/json/" (JSON listings), "/approx/" (rounded sizes), "/missing/" (empty: 404s).
 */
export async function setupMirrorEnv(opts: { mib?: number; slowRate?: string } = {}): Promise<MirrorEnv> {
  const key = await makeTestKey()
  const mirror = await buildMirror(key, { mib: opts.mib })
  const empty = path.join(mirror.root, '..', `${path.basename(mirror.root)}-empty`)
  await mkdir(empty, { recursive: true })
  const nginx = await startNginx({
    root: mirror.root,
    locations: [
      { prefix: '/mirror2/' },
      // Without sendfile nginx paces limit_rate in small writes instead of 1-second bursts.
      { prefix: '/slow/', limitRate: opts.slowRate ?? '1m', extra: ['sendfile off;', 'output_buffers 2 32k;'] },
      { prefix: '/norange/', maxRanges: 0 },
      { prefix: '/json/', autoindexFormat: 'json' },
      { prefix: '/approx/', extra: ['autoindex_exact_size off;'] },
      { prefix: '/missing/', dir: empty }
    ]
  })
  const work = await mkdtemp(path.join(os.tmpdir(), 'hsc-spins-work-'))
  return {
    key,
    mirror,
    nginx,
    work,
    url: (prefix, rel) => `${nginx.url}${prefix}${rel.split('/').map(encodeURIComponent).join('/')}`,
    async dispose() {
      await nginx.stop()
      await key.dispose()
      await mirror.dispose()
      await rm(empty, { recursive: true, force: true })
      await rm(work, { recursive: true, force: true })
    }
  }
}
