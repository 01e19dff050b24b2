import { main } from './main'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`hsc: internal error: ${(err as Error)?.message ?? String(err)}\n`)
    process.exitCode = 1
  }
)
