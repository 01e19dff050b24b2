/**
 * Trust boundaries of downloads (issue 10, items 1-3, 6, 11), through the real built `hsc`
 * against a real nginx playing a hostile mirror, with real gpg keys and a real TLS listener.
 * Every test here failed on main 79b865c (see the report in the commit that added it).
 */
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CatalogueState, DownloadInfo, VerifyResult } from '../../src/shared/contract/spins'
import { runHsc, type HscResult } from '../support/hsc'
import { commandUnavailable, nginxUnavailable, startNginx, type NginxServer } from '../support/nginx'
import { PROJECT_ROOT } from '../support/paths'
import { makeTestKey, type TestKey } from './support/gpg'
import { selfSigned } from './support/tls'

const run = promisify(execFile)
const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const why = nginxUnavailable() ?? commandUnavailable('gpg') ?? commandUnavailable('openssl', 'version') ?? (built ? null : 'run npm run build first')

/** Start time of a pid (field 22 of /proc/PID/stat), as the lock records it. */
function processStart(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]
}

const GOOD = 'CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-GNOME.iso'
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe.skipIf(why !== null)(`download trust boundaries (built CLI, hostile nginx mirror, gpg)${why ? ` (skipped: ${why})` : ''}`, () => {
  let root: string
  let work: string
  let nginx: NginxServer
  /** Serves only a redirect from https to the plain-http nginx above. */
  let tlsNginx: NginxServer
  let trusted: TestKey
  let other: TestKey
  let trustedKeyFile: string
  let otherKeyFile: string
  let certFile: string
  let image: Buffer
  let payload: Buffer
  let n = 0

  /** A fresh HOME with the app's folders inside it, and `hsc` bound to it. */
  async function home(downloadSub = 'Downloads'): Promise<{ home: string; downloads: string; hsc: (...args: string[]) => Promise<HscResult> }> {
    const h = path.join(work, `home-${++n}`)
    await mkdir(h, { recursive: true })
    const downloads = path.join(h, downloadSub)
    const env = {
      HOME: h,
      NO_COLOR: '1',
      HSC_DOWNLOAD_DIR: downloads,
      HSC_CACHE_DIR: path.join(h, '.cache/hsc'),
      HSC_SETTINGS_FILE: path.join(h, '.config/hsc/settings.json'),
      NODE_EXTRA_CA_CERTS: certFile
    }
    return { home: h, downloads, hsc: (...args) => runHsc(args, env) }
  }

  const url = (rel: string): string => `${nginx.url}/${rel}`

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'hsc-trust-mirror-'))
    work = await mkdtemp(path.join(os.tmpdir(), 'hsc-trust-work-'))
    trusted = await makeTestKey()
    other = await makeTestKey('Somebody Else <else@example.invalid>')
    trustedKeyFile = path.join(work, 'trusted.asc')
    otherKeyFile = path.join(work, 'other.asc')
    await writeFile(trustedKeyFile, trusted.publicKey)
    await writeFile(otherKeyFile, other.publicKey)

    // The good image, its checksum files (plain, signed by the trusted key, signed by another).
    image = randomBytes(4 * 1024 * 1024)
    await mkdir(path.join(root, 'img'), { recursive: true })
    await writeFile(path.join(root, 'img', GOOD), image)
    const plain = (await run('sha256sum', ['--tag', GOOD], { cwd: path.join(root, 'img'), encoding: 'utf8' })).stdout
    expect(plain).toContain(sha256(image))
    await writeFile(path.join(root, 'img/CHECKSUM'), plain)
    await trusted.clearsign(path.join(root, 'img/CHECKSUM'), path.join(root, 'img/CHECKSUM.asc'))
    await other.clearsign(path.join(root, 'img/CHECKSUM'), path.join(root, 'img/CHECKSUM-other.asc'))
    await writeFile(path.join(root, 'img/OTHER.SHA256SUM'), `${'0'.repeat(64)}  some-other-image.iso\n`)
    // A damaged copy under the same name.
    const bad = Buffer.from(image)
    bad[bad.length >> 1] ^= 1
    await mkdir(path.join(root, 'corrupt'), { recursive: true })
    await writeFile(path.join(root, 'corrupt', GOOD), bad)

    // What a hostile mirror serves in place of the victim files.
    payload = Buffer.from('# written by a hostile mirror\n'.repeat(64))
    // An autoindex page whose link climbs out of the download folder once decoded after the split.
    await mkdir(path.join(root, 'evil/a/b/c'), { recursive: true })
    await writeFile(path.join(root, 'evil/a', GOOD), payload) // nginx resolves c/..%2F..%2FNAME to a/NAME
    await writeFile(
      path.join(root, 'evil/a/b/c/index.html'),
      `<html><head><title>Index of /evil/a/b/c/</title></head><body><h1>Index of /evil/a/b/c/</h1><hr><pre><a href="../">../</a>\n` +
        `<a href="..%2F..%2F${GOOD}">${GOOD}</a>                01-Mar-2024 12:00    ${payload.length}\n</pre><hr></body></html>\n`
    )
    // A productmd images.json whose image path is "..%2F.bashrc".
    await mkdir(path.join(root, 'pmd/compose/metadata'), { recursive: true })
    await writeFile(path.join(root, 'pmd/.bashrc'), payload) // nginx resolves compose/..%2F.bashrc to pmd/.bashrc
    const images = {
      header: { type: 'productmd.images', version: '1.2' },
      payload: {
        compose: { date: '20240220', id: 'CentOS-Stream-Hyperscale-10-20240220.2', respin: 2, type: 'production' },
        images: {
          Spins: {
            x86_64: [
              {
                arch: 'x86_64',
                format: 'iso',
                type: 'live',
                subvariant: 'GNOME',
                path: '..%2F.bashrc',
                size: payload.length,
                checksums: { sha256: sha256(payload) },
                mtime: 1708387200
              }
            ]
          }
        }
      }
    }
    await writeFile(path.join(root, 'pmd/compose/metadata/images.json'), JSON.stringify(images))

    nginx = await startNginx({
      root,
      locations: [{ prefix: '/slow/', limitRate: '512k', extra: ['sendfile off;', 'output_buffers 2 32k;'] }]
    })
    // A throwaway CA-less certificate for 127.0.0.1; the CLI trusts it via NODE_EXTRA_CA_CERTS.
    certFile = path.join(work, 'cert.pem')
    const keyFile = path.join(work, 'key.pem')
    await selfSigned(keyFile, certFile, '/CN=127.0.0.1', ['-addext', 'subjectAltName=IP:127.0.0.1'])
    tlsNginx = await startNginx({
      root,
      tls: { cert: certFile, key: keyFile },
      locations: [
        { prefix: '/down/', extra: [`return 302 ${nginx.url}/img/${GOOD};`] },
        { prefix: '/down-checksum/', extra: [`return 302 ${nginx.url}/img/CHECKSUM;`] }
      ]
    })
  }, 120_000)

  afterAll(async () => {
    await tlsNginx?.stop()
    await nginx?.stop()
    await trusted?.dispose()
    await other?.dispose()
    if (root) await rm(root, { recursive: true, force: true })
    if (work) await rm(work, { recursive: true, force: true })
  })

  describe('item 1: downloads stay in the download folder', () => {
    it('an autoindex link "..%2F..%2FNAME" does not write outside the folder', async () => {
      const h = await home('Downloads/spins')
      const victim = path.join(h.home, GOOD) // Downloads/spins/../../NAME
      await writeFile(victim, 'victim\n')
      expect((await h.hsc('settings', 'set', `catalogueSources=${JSON.stringify([url('evil/a/b/c/')])}`)).status).toBe(0)
      const list = await h.hsc('spins', 'list', '--refresh', '--json')
      const r = await h.hsc('spins', 'download', '9-x86_64-gnome')
      expect(await readFile(victim, 'utf8')).toBe('victim\n')
      expect(r.status).toBe(1)
      const state = JSON.parse(list.stdout) as CatalogueState
      expect(state.catalogue?.spins.map((s) => s.name) ?? []).not.toContain(`../../${GOOD}`)
      expect((await readdir(h.home)).sort()).toEqual(['.cache', '.config', 'Downloads', GOOD].sort())
    }, 60_000)

    it('a productmd image path "..%2F.bashrc" does not overwrite ~/.bashrc', async () => {
      const h = await home()
      const bashrc = path.join(h.home, '.bashrc')
      await writeFile(bashrc, 'export PS1=mine\n')
      expect((await h.hsc('settings', 'set', `catalogueSources=${JSON.stringify([url('pmd/compose/metadata/images.json')])}`)).status).toBe(0)
      const list = await h.hsc('spins', 'list', '--refresh', '--json')
      // The id the entry gets from its compose and subvariant.
      const r = await h.hsc('spins', 'download', '10-x86_64-gnome')
      expect(await readFile(bashrc, 'utf8')).toBe('export PS1=mine\n')
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/no spin "10-x86_64-gnome"/)
      const state = JSON.parse(list.stdout) as CatalogueState
      expect(state.catalogue!.spins).toEqual([])
      expect(state.catalogue!.sources[0].warnings?.join(' ')).toMatch(/skipped images whose file name is not a plain name: \.\.%2F\.bashrc/)
    }, 60_000)

    it('a cached catalogue entry named "../.bashrc" is dropped with a notice and cannot be downloaded', async () => {
      const h = await home()
      const bashrc = path.join(h.home, '.bashrc')
      await writeFile(bashrc, 'export PS1=mine\n')
      await mkdir(path.join(h.home, '.cache/hsc'), { recursive: true })
      const spin = {
        id: '9-x86_64-evil',
        name: '../.bashrc',
        title: 'x',
        variant: 'GNOME',
        arch: 'x86_64',
        stream: '9',
        urls: [url('pmd/.bashrc')],
        sourceId: 's'
      }
      const catalogue = { schema: 1, refreshedAt: new Date().toISOString(), spins: [spin], sources: [{ id: 's', url: url('pmd/'), ok: true, found: 1 }] }
      await writeFile(path.join(h.home, '.cache/hsc/spins-catalogue.json'), JSON.stringify(catalogue))
      const list = await h.hsc('spins', 'list', '--json')
      const r = await h.hsc('spins', 'download', '9-x86_64-evil')
      expect(await readFile(bashrc, 'utf8')).toBe('export PS1=mine\n')
      expect(r.status).toBe(1)
      const state = JSON.parse(list.stdout) as CatalogueState
      expect(state.catalogue!.spins).toEqual([])
      expect(state.notice).toMatch(
        /Dropped 1 catalogue entry whose file name cannot be used in the download folder: 9-x86_64-evil \(its file name contains a slash\)/
      )
      // A --url whose last segment is a hidden name is refused too, with the reason.
      const hidden = await h.hsc('spins', 'download', url('pmd/.bashrc'), '--dest', h.home)
      expect(hidden.status).toBe(1)
      expect(hidden.stderr).toMatch(/starts with a dot/)
      expect(await readFile(bashrc, 'utf8')).toBe('export PS1=mine\n')
    }, 60_000)

    it('a file in the folder that the app did not create is never replaced', async () => {
      const h = await home()
      await mkdir(h.downloads, { recursive: true })
      const mine = path.join(h.downloads, GOOD)
      await writeFile(mine, 'my own notes, not an image\n')
      const r = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image))
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/already exists and was not downloaded by Hyperscale Companion, so it is left alone/)
      expect(await readFile(mine, 'utf8')).toBe('my own notes, not an image\n')
      // The verified data waits in the part for the user to decide.
      expect(sha256(await readFile(`${mine}.part`))).toBe(sha256(image))
      // The app's own earlier download, on the other hand, may be refreshed by a new run.
      await rm(mine)
      await rm(`${mine}.part`)
      expect((await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image))).status).toBe(0)
      expect((await h.hsc('spins', 'download', url(`img/${GOOD}`), '--checksum', url('img/CHECKSUM'))).status).toBe(0)
      expect(sha256(await readFile(mine))).toBe(sha256(image))
    }, 60_000)
  })

  describe('item 2: unverified bytes never get the final name', () => {
    it('a mismatch is kept aside as NAME.mismatch, and a rerun contacts the server again', async () => {
      const h = await home()
      const dest = path.join(h.downloads, GOOD)
      const r = await h.hsc('spins', 'download', url(`corrupt/${GOOD}`), '--sha256', sha256(image), '--json')
      expect(existsSync(dest)).toBe(false)
      expect(r.status).toBe(1)
      const info = JSON.parse(r.stdout) as DownloadInfo
      expect(info).toMatchObject({ status: 'failed', error: { name: 'HashMismatch' }, verification: { state: 'mismatch', file: `${dest}.mismatch` } })
      expect(existsSync(dest)).toBe(false)
      expect(existsSync(`${dest}.part`)).toBe(false)
      expect(sha256(await readFile(`${dest}.mismatch`))).not.toBe(sha256(image))
      await nginx.clearAccessLog()
      const again = await h.hsc('spins', 'download', url(`corrupt/${GOOD}`), '--sha256', sha256(image))
      expect(again.status).toBe(1)
      expect(again.stderr).toMatch(/does not match the published hash; the data was kept aside as .*\.mismatch-2/)
      const log = (await nginx.accessLog()).filter((e) => e.uri === `/corrupt/${GOOD}`)
      expect(log).toEqual([expect.objectContaining({ method: 'GET', status: 200, bytes: image.length })])
      expect(existsSync(dest)).toBe(false)
    }, 60_000)
  })

  describe('item 3: one download per destination', () => {
    it('two hsc processes on one file: one downloads, the other is refused with a sentence; the file is whole', async () => {
      const h = await home()
      const dest = path.join(h.downloads, GOOD)
      const args = ['spins', 'download', url(`slow/img/${GOOD}`), '--sha256', sha256(image)]
      await nginx.clearAccessLog()
      // The second one starts once the first is writing its part (about 8 s at 512 KiB/s remain):
      // the two surely overlap, however slow process start-up is on a loaded machine.
      const first = h.hsc(...args)
      const deadline = Date.now() + 30_000
      while (!existsSync(`${dest}.part`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      const [a, b] = await Promise.all([first, h.hsc(...args)])
      // One transfer into the file, not two writers sharing one .part.
      expect((await nginx.accessLog()).filter((e) => e.uri === `/slow/img/${GOOD}`)).toHaveLength(1)
      const results = [a, b].sort((x, y) => (x.status ?? 9) - (y.status ?? 9))
      expect(results.map((x) => x.status)).toEqual([0, 1])
      expect(results[0].stdout).toMatch(/Verified: matches the published hash/)
      expect(results[1].stderr).toMatch(/is already being downloaded by another Hyperscale Companion process/)
      expect(results[1].stdout).not.toMatch(/Verified/)
      expect(sha256(await readFile(dest))).toBe(sha256(image))
      expect((await readdir(h.downloads)).sort()).toEqual([GOOD])
    }, 60_000)

    it('a stale lock (dead pid) is broken; a live one refuses; a foreign file in its place is left alone', async () => {
      const h = await home()
      await mkdir(h.downloads, { recursive: true })
      const dest = path.join(h.downloads, GOOD)
      const mark = 'hyperscale-companion download lock'
      // A pid that is gone: its lock is stale and broken.
      const gone = spawn('true', { stdio: 'ignore' })
      await new Promise((r) => gone.once('exit', r))
      await writeFile(`${dest}.lock`, JSON.stringify({ mark, pid: gone.pid, host: os.hostname(), since: '' }))
      expect((await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image))).status).toBe(0)
      await rm(dest)
      // A live process that is not an hsc download: its pid and start time say it holds the lock.
      const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
      try {
        await writeFile(
          `${dest}.lock`,
          JSON.stringify({ mark, pid: sleeper.pid, start: processStart(sleeper.pid!), host: os.hostname(), since: new Date().toISOString() })
        )
        const busy = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image))
        expect(busy.stdout).not.toMatch(/Verified/)
        expect(busy.status).toBe(1)
        expect(busy.stderr).toMatch(new RegExp(`already being downloaded by another Hyperscale Companion process \\(pid ${sleeper.pid}\\)`))
        // The same pid with another start time is a reused pid: stale.
        await writeFile(`${dest}.lock`, JSON.stringify({ mark, pid: sleeper.pid, start: '1', host: os.hostname(), since: '' }))
        expect((await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image))).status).toBe(0)
      } finally {
        sleeper.kill()
      }
      expect(existsSync(`${dest}.lock`)).toBe(false)
      // (Another folder: the finished download above would simply be reported again.)
      const other = path.join(h.home, 'other')
      await mkdir(other)
      await writeFile(path.join(other, `${GOOD}.lock`), 'not a lock of ours\n')
      const foreign = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image), '--dest', other)
      expect(foreign.status).toBe(1)
      expect(foreign.stderr).toMatch(/\.lock exists but was not written by Hyperscale Companion/)
      expect(await readFile(path.join(other, `${GOOD}.lock`), 'utf8')).toBe('not a lock of ours\n')
    }, 60_000)
  })

  describe('item 6: "verified" means verified', () => {
    it('hsc verify: trusted key, untrusted key, unsigned with and without a trusted key', async () => {
      const h = await home()
      const file = path.join(root, 'img', GOOD)
      // A trusted key exists: an unsigned checksum file does not pass.
      expect((await h.hsc('verify', file, '--checksum', path.join(root, 'img/CHECKSUM'), '--key', trustedKeyFile)).status).toBe(1)
      const state = async (...args: string[]): Promise<[number | null, string]> => {
        const r = await h.hsc('verify', file, '--json', ...args)
        return [r.status, (JSON.parse(r.stdout) as VerifyResult).state]
      }
      expect(await state('--checksum', path.join(root, 'img/CHECKSUM.asc'), '--key', trustedKeyFile)).toEqual([0, 'signed-by-trusted-key'])
      expect(await state('--checksum', path.join(root, 'img/CHECKSUM-other.asc'), '--key', trustedKeyFile)).toEqual([1, 'signed-by-untrusted-key'])
      expect(await state('--checksum', path.join(root, 'img/CHECKSUM.asc'))).toEqual([1, 'signed-by-untrusted-key'])
      // A trusted key exists: an unsigned checksum file no longer passes.
      expect(await state('--checksum', path.join(root, 'img/CHECKSUM'), '--key', trustedKeyFile)).toEqual([1, 'signature-missing'])
      expect(await state('--checksum', path.join(root, 'img/CHECKSUM'))).toEqual([0, 'checksum-unsigned'])
      expect(await state('--sha256', sha256(image))).toEqual([0, 'hash-matches-published'])
      expect(await state('--checksum', path.join(root, 'img/CHECKSUM'), '--key', otherKeyFile)).toEqual([1, 'signature-missing'])
      const text = await h.hsc('verify', file, '--checksum', path.join(root, 'img/CHECKSUM-other.asc'), '--key', trustedKeyFile)
      expect(text.stdout).toMatch(/^Not verified: signed by an untrusted key: /)
    }, 60_000)

    it('spins download --checksum exits 1 when the checksum is missing, does not list the image, or is foreign-signed; accepts a local file; hsc write takes only verified downloads', async () => {
      const h = await home()
      const dest = path.join(h.downloads, GOOD)
      const gone = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--checksum', url('missing/CHECKSUM'), '--json')
      expect(gone.status).toBe(1)
      expect(JSON.parse(gone.stdout)).toMatchObject({ status: 'done', verification: { state: 'not-checked' } })
      // A complete transfer with nothing to check against keeps its name, labelled not checked.
      expect(sha256(await readFile(dest))).toBe(sha256(image))
      const unlisted = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--checksum', url('img/OTHER.SHA256SUM'))
      expect(unlisted.status).toBe(1)
      expect(unlisted.stdout).toMatch(/Not checked: could not verify: .* is not listed in/)
      expect(unlisted.stderr).toMatch(/the download is complete but not verified \(Not checked\)/)
      const local = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--checksum', path.join(root, 'img/CHECKSUM'), '--json')
      expect(local.status).toBe(0)
      expect(JSON.parse(local.stdout)).toMatchObject({ verification: { state: 'checksum-unsigned', checksumSource: path.join(root, 'img/CHECKSUM') } })
      const foreignSigned = await h.hsc('spins', 'download', url(`img/${GOOD}`), '--checksum', url('img/CHECKSUM-other.asc'), '--json')
      expect(foreignSigned.status).toBe(1)
      expect(JSON.parse(foreignSigned.stdout)).toMatchObject({ verification: { state: 'signed-by-untrusted-key' } })
      // hsc write takes the hash of a download only when its state is a verified one; it stops
      // before looking at any drive.
      const write = await h.hsc('write', dest, '/dev/hsc-no-such-drive', '--yes')
      expect(write.status).toBe(1)
      expect(write.stderr).toMatch(/has no verified SHA-256/)
      expect((await h.hsc('spins', 'download', url(`img/${GOOD}`), '--sha256', sha256(image))).status).toBe(0)
      expect((await h.hsc('write', dest, '/dev/hsc-no-such-drive', '--yes')).stderr).not.toMatch(/has no verified SHA-256/)
    }, 60_000)
  })

  describe('item 11: no https -> http redirect', () => {
    it('a download or a checksum file behind an https URL that redirects to http is refused', async () => {
      const h = await home()
      await nginx.clearAccessLog()
      const r = await h.hsc('spins', 'download', `${tlsNginx.tlsUrl}/down/${GOOD}`, '--sha256', sha256(image))
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/refused a redirect from https:\/\/127\.0\.0\.1:\d+ to plain http:\/\/127\.0\.0\.1:\d+/)
      expect(existsSync(path.join(h.downloads, GOOD))).toBe(false)
      const v = await h.hsc('verify', path.join(root, 'img', GOOD), '--checksum', `${tlsNginx.tlsUrl}/down-checksum/`)
      expect(v.status).toBe(1)
      expect(v.stderr).toMatch(/refused a redirect from https/)
      // The plain-http server was never asked.
      expect((await nginx.accessLog()).filter((e) => e.uri.startsWith('/img/'))).toEqual([])
      // https itself works (the certificate is trusted): the refusal is about the downgrade.
      const direct = await h.hsc('spins', 'download', `${tlsNginx.tlsUrl}/img/${GOOD}`, '--sha256', sha256(image))
      expect(direct.status).toBe(0)
      expect(sha256(await readFile(path.join(h.downloads, GOOD)))).toBe(sha256(image))
    }, 60_000)
  })
})
