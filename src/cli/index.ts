import { main } from './main'

// A reader that stops early (`hsc repos list | head`) closes the pipe: that ends the output,
// it is not a crash of hsc's. Other stream errors still surface.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    process.exit(process.exitCode ?? 0)
  })

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`hsc: internal error: ${(err as Error)?.message ?? String(err)}\n`)
    process.exitCode = 1
  }
)
