// The rpm inventory is read with two patterns over rpm's whole output (checks/rpm-inventory.ts):
// it must take exactly the lines the former line-by-line reading took.
import { describe, expect, it } from 'vitest'
import { parseInventory } from '../../src/main/services/inspect/checks/rpm-inventory'

/** The former reading: split on line breaks, then on tabs, and a pattern for the name. */
function byLines(stdout: string, live: boolean): { dbpath?: string; packages: Map<string, string[]> } {
  const packages = new Map<string, string[]>()
  let dbpath: string | undefined
  for (const line of stdout.split('\n')) {
    if (line.startsWith('hsc-dbpath:')) {
      const v = line.slice('hsc-dbpath:'.length).trim()
      if (live && v.startsWith('/') && !v.includes('%')) dbpath = v
      continue
    }
    const [name, vr, extra] = line.split('\t')
    if (!name || !vr || extra !== undefined || !/^[\w.+-]+$/.test(name)) continue
    const list = packages.get(name)
    if (list) list.push(vr)
    else packages.set(name, [vr])
  }
  return { dbpath, packages }
}

const parse = (stdout: string, live = true) => {
  const r = parseInventory(['rpm'], { code: 0, stdout, stderr: '' }, live)
  return { dbpath: r.dbpath, packages: r.packages }
}

describe('parseInventory', () => {
  it('takes what the line-by-line reading took, on odd lines too', () => {
    const odd = [
      'hsc-dbpath:/var/lib/rpm',
      'kernel\t5.14.0-570.el9',
      'kernel\t5.14.0-580.el9',
      'rpm-plugin-reflink\t4.16.1.3-29.hs.el9',
      'bad name\t1-1',
      'tabs\t1-1\textra',
      'notab',
      '\tnoname',
      'noversion\t',
      'crlf\t1-1.el9\r',
      'mid\t1-1\rx\ty',
      'colon:name\t1-1',
      'hsc-dbpath:%{_dbpath}',
      'trailing\t2-2.hs1.el9'
    ].join('\n')
    expect(parse(odd)).toEqual(byLines(odd, true))
    expect(parse(odd, false)).toEqual(byLines(odd, false))
    expect(parse(odd).packages.get('kernel')).toEqual(['5.14.0-570.el9', '5.14.0-580.el9'])
    expect(parse(odd).dbpath).toBe('/var/lib/rpm')
  })

  it('a stock system of 1,500 packages reads the same', () => {
    const lines = ['hsc-dbpath:/usr/lib/sysimage/rpm']
    for (let i = 0; i < 1500; i++) lines.push(`package-${i % 1400}\t${i % 7}.${i % 13}.${i}-${i % 5}.el9${i % 50 === 0 ? '.hs1' : ''}`)
    const text = lines.join('\n') + '\n'
    expect(parse(text)).toEqual(byLines(text, true))
    expect(parse(text).packages.size).toBe(1400)
  })

  it('empty output is no packages', () => {
    expect(parse('')).toEqual({ dbpath: undefined, packages: new Map() })
  })
})
