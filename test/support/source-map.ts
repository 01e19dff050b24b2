// Enough of the source map format (v3, one file, no sections) to name the source of a
// generated position: base64 VLQ segments, decoded once into sorted columns per line.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function decodeVlq(segment: string): number[] {
  const out: number[] = []
  let value = 0
  let shift = 0
  for (const ch of segment) {
    const digit = B64.indexOf(ch)
    if (digit < 0) throw new Error(`not base64 VLQ: ${segment}`)
    value += (digit & 31) << shift
    if (digit & 32) shift += 5
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    }
  }
  return out
}

export interface SourceLookup {
  /** The source a generated 0-based line and column came from, or undefined where nothing maps. */
  sourceAt(line: number, column: number): string | undefined
}

export function parseSourceMap(map: { sources: string[]; mappings: string }): SourceLookup {
  const lines: Array<Array<[column: number, source: number]>> = []
  let source = 0
  for (const text of map.mappings.split(';')) {
    const segs: Array<[number, number]> = []
    let column = 0
    for (const seg of text ? text.split(',') : []) {
      const f = decodeVlq(seg)
      column += f[0]
      if (f.length >= 4) {
        source += f[1]
        segs.push([column, source])
      }
    }
    lines.push(segs)
  }
  return {
    sourceAt(line, column) {
      const segs = lines[line] ?? []
      let hit: number | undefined
      for (const [c, s] of segs) {
        if (c > column) break
        hit = s
      }
      return hit === undefined ? undefined : map.sources[hit]
    }
  }
}
