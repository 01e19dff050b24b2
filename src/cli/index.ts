import { main } from './main'
import { writeText } from './stdio'
import { markRunNotToKeep } from './cache-mark'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    markRunNotToKeep()
    writeText(2, `hsc: internal error: ${(err as Error)?.message ?? String(err)}\n`)
    process.exitCode = 1
  }
)
