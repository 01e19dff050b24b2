// Renders the app icon (a violet hexagon with a white "H" bar) to PNGs at the usual Linux
// sizes in resources/icons/. Run by hand when the design changes; the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf) => {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
const chunk = (type, data) => {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8
  ihdr[9] = 6
  const raw = Buffer.alloc((size * 4 + 1) * size)
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

function inHexagon(x, y) {
  // Pointy-top hexagon of radius 0.46 centred at 0.5.
  const dx = Math.abs(x - 0.5)
  const dy = Math.abs(y - 0.5)
  const r = 0.46
  return dx <= (r * Math.sqrt(3)) / 2 && dy + dx / Math.sqrt(3) <= r
}
function inH(x, y) {
  const stem = (cx) => Math.abs(x - cx) <= 0.055 && Math.abs(y - 0.5) <= 0.2
  return stem(0.37) || stem(0.63) || (Math.abs(y - 0.5) <= 0.045 && x >= 0.37 && x <= 0.63)
}

function render(size) {
  const ss = 4
  const out = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hex = 0
      let bar = 0
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) / size
          const y = (py + (sy + 0.5) / ss) / size
          if (inHexagon(x, y)) {
            hex++
            if (inH(x, y)) bar++
          }
        }
      }
      const n = ss * ss
      const a = hex / n
      const w = hex ? bar / hex : 0
      const i = (py * size + px) * 4
      // Violet (#8a3ffc) to a lighter top for a little depth, white glyph.
      const shade = 1 - (py / size) * 0.25
      out[i] = Math.round(0x8a * shade * (1 - w) + 255 * w)
      out[i + 1] = Math.round(0x3f * shade * (1 - w) + 255 * w)
      out[i + 2] = Math.round(0xfc * shade * (1 - w) + 255 * w)
      out[i + 3] = Math.round(a * 255)
    }
  }
  return png(size, out)
}

mkdirSync('resources/icons', { recursive: true })
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) writeFileSync(`resources/icons/${size}x${size}.png`, render(size))
writeFileSync('resources/icon.png', render(512))
console.log('icons written to resources/icons/')
