import { VERIFICATION_STATES, isVerifiedState, verificationLabel } from '../../src/shared/contract/verification'
import { describe, expect, it } from 'vitest'
import { parseListing, parseListingDate, parseListingSize } from '../../src/main/services/spins/autoindex'
import { archOf, composeOf, isChecksumName, nameFacts, rankChecksumCandidates, streamOf, variantOf } from '../../src/main/services/spins/names'
import { parseProductmdImages } from '../../src/main/services/spins/productmd'
import { SpeedMeter, etaSeconds, percentOf } from '../../src/main/services/spins/speed'
import { parseContentRange } from '../../src/main/services/spins/download'
import { decideState, classifyChecksumArg } from '../../src/main/services/spins/verify'

// Apache 2.4 mod_autoindex with HTMLTable (the layout of the public captures of Apache
// listings, e.g. "<address>Apache/2.4.56 (Debian)"), with ISO names put in.
const APACHE_TABLE = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /SIGs/9-stream/hyperscale/x86_64/images</title>
 </head>
 <body>
<h1>Index of /SIGs/9-stream/hyperscale/x86_64/images</h1>
  <table>
   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>
   <tr><th colspan="5"><hr></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/SIGs/9-stream/hyperscale/x86_64/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="CHECKSUM">CHECKSUM</a></td><td align="right">2024-03-01 12:07  </td><td align="right">1.2K</td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="Hyperscale-9-20240301.0-x86_64-Live-KDE%2BPlasma.iso">Hyperscale-9-20240301.0-x86_64-Live-KDE+Plasma.iso</a></td><td align="right">2024-03-01 12:05  </td><td align="right">2.1G</td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/folder.gif" alt="[DIR]"></td><td><a href="older/">older/</a></td><td align="right">2024-01-05 09:00  </td><td align="right">  - </td><td>&nbsp;</td></tr>
   <tr><th colspan="5"><hr></th></tr>
</table>
<address>Apache/2.4.57 Server at mirror.example Port 443</address>
</body></html>`

// Apache without HTMLTable (FancyIndexing in <pre>), day-month-year dates and exact sizes.
const APACHE_PRE = `<pre><img src="/icons/blank.gif" alt="Icon "> <a href="?C=N;O=D">Name</a>                    <a href="?C=M;O=A">Last modified</a>      <a href="?C=S;O=A">Size</a>
<hr><img src="/icons/back.gif" alt="[PARENTDIR]"> <a href="/pub/">Parent Directory</a>                             -
<img src="/icons/unknown.gif" alt="[   ]"> <a href="a-x86_64-Live-GNOME.iso">a-x86_64-Live-GNOME.iso</a>   05-Jan-2024 09:31  3522560
<img src="/icons/text.gif" alt="[TXT]"> <a href="SHA256SUMS">SHA256SUMS</a>              05-Jan-2024 09:32  210
<hr></pre>`

describe('directory listings', () => {
  it('reads an Apache table listing: names decoded, parent and sort links skipped, rounded sizes flagged', () => {
    const entries = parseListing(APACHE_TABLE)
    expect(entries.map((e) => e.name)).toEqual(['CHECKSUM', 'Hyperscale-9-20240301.0-x86_64-Live-KDE+Plasma.iso', 'older'])
    const iso = entries[1]
    expect(iso).toMatchObject({ isDir: false, sizeApprox: true, mtime: '2024-03-01T12:05:00Z' })
    expect(iso.size).toBe(Math.round(2.1 * 1024 ** 3))
    expect(entries[2]).toMatchObject({ isDir: true, href: 'older/' })
    expect(entries[2].size).toBeUndefined()
  })

  it('reads an Apache <pre> listing with exact sizes', () => {
    const entries = parseListing(APACHE_PRE)
    expect(entries).toEqual([
      { name: 'a-x86_64-Live-GNOME.iso', href: 'a-x86_64-Live-GNOME.iso', isDir: false, size: 3522560, sizeApprox: false, mtime: '2024-01-05T09:31:00Z' },
      { name: 'SHA256SUMS', href: 'SHA256SUMS', isDir: false, size: 210, sizeApprox: false, mtime: '2024-01-05T09:32:00Z' }
    ])
  })

  it('reads nginx autoindex_format json', () => {
    const json = JSON.stringify([
      { name: '20240301.1', type: 'directory', mtime: 'Fri, 01 Mar 2024 12:00:00 GMT' },
      { name: 'x y.iso', type: 'file', mtime: 'Fri, 01 Mar 2024 12:00:00 GMT', size: 42 }
    ])
    expect(parseListing(json)).toEqual([
      { name: '20240301.1', href: '20240301.1/', isDir: true, mtime: '2024-03-01T12:00:00Z' },
      { name: 'x y.iso', href: 'x%20y.iso', isDir: false, size: 42, sizeApprox: false, mtime: '2024-03-01T12:00:00Z' }
    ])
  })

  it('parses the date and size notations of nginx and Apache', () => {
    expect(parseListingDate('18-Dec-2023 10:12')).toBe('2023-12-18T10:12:00Z')
    expect(parseListingDate('2022-Dec-17 17:49')).toBe('2022-12-17T17:49:00Z')
    expect(parseListingDate('-')).toBeUndefined()
    expect(parseListingSize('1096810496')).toEqual({ size: 1096810496, approx: false })
    expect(parseListingSize('512M')).toEqual({ size: 512 * 1024 ** 2, approx: true })
    expect(parseListingSize('-')).toBeUndefined()
  })
})

describe('what names say', () => {
  it('recognises desktop variants, preferring the desktop over "Workstation"', () => {
    expect(variantOf('Fedora-Workstation-Live-x86_64-39-1.5.iso')).toBe('Workstation')
    expect(variantOf('CentOS-Stream-Hyperscale-Workstation-GNOME-9.iso')).toBe('GNOME')
    expect(variantOf('x-Live-KDE.iso')).toBe('KDE')
    expect(variantOf('Fedora-KDE-Live-x86_64-39-1.5.iso')).toBe('KDE')
    expect(variantOf('CentOS-Stream-9-20231218.0-x86_64-boot.iso')).toBeUndefined()
  })

  it('finds arch, stream and compose in the naming styles of CentOS and Fedora', () => {
    expect(nameFacts('CentOS-Stream-9-20231218.0-x86_64-dvd1.iso')).toMatchObject({ arch: 'x86_64', stream: '9', compose: '20231218.0', live: false })
    expect(nameFacts('CentOS-Stream-Hyperscale-Live-KDE-10-20240220.2.aarch64.iso')).toMatchObject({
      arch: 'aarch64',
      stream: '10',
      compose: '20240220.2',
      variant: 'KDE',
      live: true
    })
    expect(streamOf('SIGs/10-stream/hyperscale')).toBe('10')
    expect(streamOf('image-el9.iso')).toBe('9')
    expect(archOf('foo-amd64.iso')).toBe('x86_64')
    expect(nameFacts('CentOS-Stream-8-x86_64-latest-boot.iso').latestAlias).toBe(true)
    // A later compose sorts higher; respins order within a day.
    expect(composeOf('x-20240301.1')!.key).toBeGreaterThan(composeOf('x-20240301.0')!.key)
    expect(composeOf('x-20240301.0')!.key).toBeGreaterThan(composeOf('x-20240228.9')!.key)
    expect(composeOf('x-20241399')).toBeUndefined()
  })

  it('knows checksum file names and ranks them per image', () => {
    for (const n of [
      'CHECKSUM',
      'SHA256SUMS',
      'sha256sum.txt',
      'sha256sum.txt.asc',
      'a.iso.SHA256SUM',
      'CentOS-Stream-9-20240301.0-x86_64-CHECKSUM',
      'CHECKSUM.asc'
    ]) {
      expect(isChecksumName(n), n).toBe(true)
    }
    expect(isChecksumName('a.iso')).toBe(false)
    expect(isChecksumName('README')).toBe(false)
    const image = 'HS-9-20240301.0-x86_64-Live-KDE.iso'
    expect(
      rankChecksumCandidates(image, [
        'SHA256SUMS',
        'HS-9-20240301.0-x86_64-Live-GNOME.iso.SHA256SUM',
        `${image}.SHA256SUM`,
        'HS-9-20240301.0-x86_64-CHECKSUM',
        'HS-9-20240105.0-x86_64-CHECKSUM',
        'HS-9-20240301.0-aarch64-CHECKSUM'
      ])
    ).toEqual([`${image}.SHA256SUM`, 'HS-9-20240301.0-x86_64-CHECKSUM', 'SHA256SUMS'])
  })
})

describe('productmd images.json', () => {
  it('reads 1.x paths and 2.0 locations, ISO only', () => {
    const doc = {
      header: { type: 'productmd.images', version: '2.0' },
      payload: {
        compose: { date: '20260204', id: 'Fedora-41-20260204.0', respin: 0, type: 'production' },
        images: {
          Server: {
            x86_64: [
              {
                arch: 'x86_64',
                bootable: true,
                format: 'iso',
                mtime: 1738627200,
                subvariant: '',
                type: 'dvd',
                volume_id: 'F',
                location: {
                  url: 'https://cdn.example/Fedora-Server-dvd-x86_64-41-1.1.iso',
                  size: 2465792000,
                  checksum: 'sha256:' + 'a'.repeat(64),
                  local_path: 'Server/x86_64/iso/Fedora-Server-dvd-x86_64-41-1.1.iso'
                }
              },
              {
                arch: 'x86_64',
                bootable: false,
                format: 'qcow2',
                mtime: 1738627200,
                subvariant: '',
                type: 'qcow2',
                volume_id: null,
                location: { url: 'oci://quay.io/x', size: 1, checksum: 'sha256:00', local_path: 'x.qcow2' }
              },
              {
                arch: 'x86_64',
                format: 'iso',
                path: 'Spins/x86_64/iso/KDE.iso',
                size: 10,
                mtime: 1,
                subvariant: 'KDE',
                type: 'live',
                checksums: { sha256: 'B'.repeat(64) },
                volume_id: null
              }
            ]
          }
        }
      }
    }
    const c = parseProductmdImages(doc)
    expect(c).toMatchObject({ id: 'Fedora-41-20260204.0', date: '20260204', respin: 0 })
    expect(c.images.map((i) => [i.path, i.type, i.checksum?.hash])).toEqual([
      ['https://cdn.example/Fedora-Server-dvd-x86_64-41-1.1.iso', 'dvd', 'a'.repeat(64)],
      ['Spins/x86_64/iso/KDE.iso', 'live', 'b'.repeat(64)]
    ])
    expect(() => parseProductmdImages({ header: { version: '1.0' } })).toThrow(/not a productmd images.json: payload/)
  })
})

describe('small pieces of the download and verify logic', () => {
  it('smooths speed over time and derives ETA and percent', () => {
    const m = new SpeedMeter(1000)
    m.sample(0, 0)
    // Within the first time constant: the average since the start.
    expect(m.sample(0, 250)).toBe(0)
    expect(m.sample(500, 500)).toBe(1000)
    expect(m.sample(1000, 1000)).toBe(1000)
    // Then a sudden burst moves the average only part of the way.
    const s = m.sample(11_000, 1250)!
    expect(s).toBeGreaterThan(1000)
    expect(s).toBeLessThan(40_000)
    expect(etaSeconds(500, 1500, 100)).toBe(10)
    expect(etaSeconds(500, undefined, 100)).toBeUndefined()
    expect(percentOf(1, 3)).toBe(33.3)
  })

  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 100-199/200')).toEqual({ start: 100, end: 199, total: 200 })
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, end: 9, total: undefined })
    expect(parseContentRange('items 1-2/3')).toBeUndefined()
    expect(parseContentRange(null)).toBeUndefined()
  })

  it('ranks a bad signature above a hash mismatch and never calls an unavailable signature good', () => {
    expect(decideState('bad', true)).toBe('bad-signature')
    expect(decideState('bad', false)).toBe('bad-signature')
    expect(decideState('good', false)).toBe('mismatch')
    expect(decideState('good', true)).toBe('signed-by-trusted-key')
    expect(decideState('unknown-key', true)).toBe('signed-by-untrusted-key')
    expect(decideState('unsupported', true)).toBe('signed-by-untrusted-key')
    expect(decideState('unsigned', undefined)).toBe('not-checked')
    // Unsigned: passes only while no signature is expected; a hash the user gave always counts.
    expect(decideState('unsigned', true, 'file')).toBe('checksum-unsigned')
    expect(decideState('unsigned', true, 'file', true)).toBe('signature-missing')
    expect(decideState('unsigned', true, 'metadata', true)).toBe('signature-missing')
    expect(decideState('unsigned', true, 'metadata')).toBe('hash-matches-published')
    expect(decideState('unsigned', true, 'user', true)).toBe('hash-matches-published')
  })

  it('only three states count as verified (the writer and the exit status use this)', () => {
    expect(VERIFICATION_STATES.filter((s) => isVerifiedState(s))).toEqual(['signed-by-trusted-key', 'hash-matches-published', 'checksum-unsigned'])
    expect(isVerifiedState('verified-unsigned')).toBe(false)
    expect(isVerifiedState('signed-by-untrusted-key')).toBe(false)
    expect(isVerifiedState(undefined)).toBe(false)
    for (const s of VERIFICATION_STATES) expect(verificationLabel(s)).toMatch(isVerifiedState(s) ? /^Verified: / : /^Not /)
  })

  it('reads a checksum argument as URL, digest or path', () => {
    expect(classifyChecksumArg('https://m.example/CHECKSUM')).toEqual({ kind: 'url', urls: ['https://m.example/CHECKSUM'] })
    expect(classifyChecksumArg('a'.repeat(64)).kind).toBe('hash')
    expect(classifyChecksumArg('./CHECKSUM')).toEqual({ kind: 'path', path: './CHECKSUM' })
  })
})
