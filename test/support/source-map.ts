// Enough of the source map format (v3, one file, no sections) to name the source and line of
// a generated position: base64 VLQ segments, decoded once into sorted columns per line.
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
  /** Where a generated 0-based line and column came from (its 1-based line), or undefined where nothing maps. */
  positionAt(line: number, column: number): { source: string; line: number } | undefined
}

export function parseSourceMap(map: { sources: string[]; mappings: string }): SourceLookup {
  const lines: Array<Array<[column: number, source: number, line: number]>> = []
  let source = 0
  let sourceLine = 0
  for (const text of map.mappings.split(';')) {
    const segs: Array<[number, number, number]> = []
    let column = 0
    for (const seg of text ? text.split(',') : []) {
      const f = decodeVlq(seg)
      column += f[0]
      if (f.length >= 4) {
        source += f[1]
        sourceLine += f[2]
        segs.push([column, source, sourceLine])
      }
    }
    lines.push(segs)
  }
  return {
    positionAt(line, column) {
      let hit: [number, number, number] | undefined
      for (const seg of lines[line] ?? []) {
        if (seg[0] > column) break
        hit = seg
      }
      return hit === undefined ? undefined : { source: map.sources[hit[1]], line: hit[2] + 1 }
    }
  }
}
