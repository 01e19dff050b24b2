// Renderer size: the JS a window loads before first paint (entry script + its static imports,
// i.e. <script> and <link rel=modulepreload> in index.html), gzip -9 as served. Budget 60 KB (issue 15).
// Compared with the standard tool: our in-process gzip vs `gzip -9 -c | wc -c` on the same files.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'

const dir = 'out/renderer'
if (!existsSync(path.join(dir, 'index.html'))) {
  console.error('bench:bundle: run `npm run build` first')
  process.exit(1)
}
const html = readFileSync(path.join(dir, 'index.html'), 'utf8')
const initial = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="(?:\.?\/)?([^"]+\.js)"/g)].map((m) => m[1])
const gz = (f) => gzipSync(readFileSync(path.join(dir, f)), { level: 9 }).length
const gzipTool = (f) => Number(execFileSync('sh', ['-c', 'gzip -9 -c "$1" | wc -c', 'sh', path.join(dir, f)], { encoding: 'utf8' }).trim())

let total = 0
let totalTool = 0
for (const f of initial) {
  const ours = gz(f)
  const tool = gzipTool(f)
  total += ours
  totalTool += tool
  console.log(
    `initial  ${f.padEnd(44)} ${(readFileSync(path.join(dir, f)).length / 1024).toFixed(1).padStart(8)} KB raw ${(ours / 1024).toFixed(1).padStart(7)} KB gzip`
  )
}
const lazy = readdirSync(path.join(dir, 'assets')).filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`))
for (const f of lazy) console.log(`lazy     assets/${f.padEnd(37)} ${(gz(`assets/${f}`) / 1024).toFixed(1).padStart(25)} KB gzip`)
const budget = 60 * 1024
console.log(
  `\ninitial JS: ${(total / 1024).toFixed(1)} KB gzip (gzip -9 tool: ${(totalTool / 1024).toFixed(1)} KB, ratio ${(total / totalTool).toFixed(3)}); budget 60 KB: ${total <= budget ? 'within' : 'OVER'}`
)
console.log(`views loaded on demand: ${lazy.length} chunks`)
process.exitCode = total <= budget ? 0 : 1
