import { readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { classifyRepo, releaseMarker } from '../../src/main/services/repos/hyperscale'
import { assertAbsolutePath, assertAllowedPackage, assertRepoId } from '../../src/main/services/terminal/validate'
import { displayArgv } from '../../src/shared/contract/terminal'
import { FIXTURES } from '../support/paths'

describe('Hyperscale build markers in RPM releases', () => {
  it('tells the real Hyperscale kernel config name from the stock and Fedora ones', () => {
    // names of the real /boot/config-<release> files in the fixtures
    const found = Object.fromEntries(readdirSync(path.join(FIXTURES, 'kernel-config')).map((n) => [n, releaseMarker(n)?.marker ?? null]))
    expect(found).toEqual({
      '4.18.0-553.51.1.el8_10.x86_64': null,
      '5.14.0-580.el9.x86_64': null,
      '6.10.9-0.hs1.hsx.el9.x86_64': 'hsx',
      '6.12.0-77.el10.x86_64': null,
      '6.14.4-300.fc42.x86_64': null
    })
  })

  it.each([
    ['1.hs.el9', 'hs', 'main'],
    ['0.hs1.hsk.el10', 'hsk', 'kernel'],
    ['2.hsx.el9', 'hsx', 'experimental'],
    ['1.hs+fb.el9', 'hs+fb', 'facebook'],
    ['3.hs+intel.el9', 'hs+intel', 'intel'],
    ['0.hs100.hs+asahi.el10', 'hs+asahi', 'asahi']
  ])('%s carries %s (%s)', (release, marker, variant) => {
    expect(releaseMarker(release)).toEqual({ marker, variant })
  })

  it.each(['580.el9', '1.el9_2', '2.fc42', '1.el9.hsieh', '1.chs.el9', '6.1.0-18-amd64'])('%s is not a Hyperscale build', (release) => {
    expect(releaseMarker(release)).toBeNull()
  })
})

describe('Hyperscale repo classification', () => {
  it.each([
    [{ id: 'centos-hyperscale-spin', baseurl: [] }, 'spin', false, 'binary'],
    [{ id: 'centos-hyperscale-experimental-testing', baseurl: [] }, 'experimental', true, 'binary'],
    [
      {
        id: 'centos-hyperscale-hotfixes',
        mirrorlist: 'http://mirrorlist.centos.org/?release=$stream&arch=$basearch&repo=hyperscale-packages-hotfixes',
        baseurl: []
      },
      'hotfixes',
      false,
      'binary'
    ],
    [
      { id: 'hyperscale-packages-facebook', baseurl: ['https://mirror.example/SIGs/$stream/hyperscale/$basearch/packages-facebook'] },
      'facebook',
      false,
      'binary'
    ],
    [{ id: 'hyperscale-packages-main-source', baseurl: ['https://mirror.example/SIGs/$stream/hyperscale/source/packages-main'] }, 'main', false, 'source'],
    [{ id: 'hs-mirror', baseurl: ['https://mirror.example/SIGs/9-stream/hyperscale/x86_64/packages-intel/'] }, 'intel', false, 'binary'],
    [{ id: 'centos-hyperscale-debuginfo', baseurl: [] }, 'main', false, 'debuginfo']
  ])('%j is %s', (repo, variant, testing, kind) => {
    expect(classifyRepo(repo)).toMatchObject({ variant, testing, kind })
  })

  it('leaves other repos alone', () => {
    expect(classifyRepo({ id: 'epel', metalink: 'https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=x86_64', baseurl: [] })).toBeNull()
    expect(
      classifyRepo({ id: 'extras-common', metalink: 'https://mirrors.centos.org/metalink?repo=centos-extras-sig-extras-common-9-stream', baseurl: [] })
    ).toBeNull()
  })
})

describe('argv validation', () => {
  it.each(['x;rm -rf /', '--setopt=reposdir=/tmp', '-x', '', 'a b', '$(id)', 'a\nb', 'x'.repeat(200), 'ïd'])('rejects repo id %j', (id) => {
    expect(() => assertRepoId(id)).toThrow(/invalid repo id/)
  })
  it.each(['centos-hyperscale', 'epel-debuginfo', 'a.b_c:d-e'])('accepts repo id %j', (id) => {
    expect(assertRepoId(id)).toBe(id)
  })
  it('only allowlisted packages may be named', () => {
    expect(assertAllowedPackage('centos-release-hyperscale-kernel')).toBeTruthy()
    for (const p of ['bash', 'centos-release-hyperscale;id', '--allowerasing', '*']) expect(() => assertAllowedPackage(p)).toThrow(/invalid package/)
  })
  it('installroots must be absolute and normalized', () => {
    expect(assertAbsolutePath('/var/tmp/root')).toBe('/var/tmp/root')
    for (const p of ['relative/root', '/a/../etc', '/a//b', '/a/./b', '-x']) expect(() => assertAbsolutePath(p)).toThrow(/absolute, normalized/)
  })
  it('displays argv for people without ever needing a shell to run it', () => {
    expect(displayArgv(['dnf', 'install', '-y', 'a b', "it's", '$x'])).toBe(`dnf install -y 'a b' 'it'\\''s' '$x'`)
  })
})
