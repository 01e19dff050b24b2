import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import os from 'node:os'
import { AppError } from '../../shared/contract/errors'
import { value } from '../args'
import type { Command } from '../command'
import { startWebServer } from '../../web/server'
import { shutdownServices } from '../../main/services/shutdown'

const here = path.dirname(fileURLToPath(import.meta.url))

export const commands: Command[] = [
  {
    path: ['gui'],
    summary: 'Open the desktop app, or with --browser serve it on 127.0.0.1 for a browser (e.g. over an SSH tunnel)',
    maxArgs: 0,
    transport: 'browser',
    options: [
      { name: 'browser', kind: 'flag', summary: 'browser mode: print a URL with a one-time token instead of opening a window' },
      { name: 'port', kind: 'value', valueName: 'N', summary: 'browser mode port (default: a random free port)' }
    ],
    async run(args, ctx) {
      if (!args.flags.has('browser')) {
        const launcher = path.join(here, '../../scripts/start-electron.mjs')
        const child = spawn(process.execPath, [launcher], { stdio: 'inherit' })
        return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
      }
      const rendererDir = path.join(here, '../renderer')
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        throw new AppError('NotBuilt', `the renderer is not built (${rendererDir} is missing)`, { hint: 'Run `npm run build` first, or use `npm run web`.' })
      }
      const portText = value(args, 'port')
      const port = portText === undefined ? 0 : Number(portText)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AppError('UsageError', `--port: not a port number: ${portText}`)
      const fixedToken = ctx.services.env.HSC_WEB_TOKEN
      if (fixedToken !== undefined && !/^[A-Za-z0-9_-]{16,256}$/.test(fixedToken)) {
        throw new AppError('UsageError', 'HSC_WEB_TOKEN must be 16 to 256 letters, digits, _ or - (it is put in the URL fragment).')
      }
      const server = await startWebServer({ rendererDir, router: ctx.router, hub: ctx.services.events, port, token: ctx.services.env.HSC_WEB_TOKEN }).catch(
        (err: unknown) => {
          if ((err as NodeJS.ErrnoException)?.code === 'EADDRINUSE') {
            throw new AppError('PortInUse', `Port ${port} is already in use by another program.`, {
              hint: 'Pick another port with --port N, or leave --port out to get a free one.',
              detail: (err as Error).message
            })
          }
          throw err
        }
      )
      // Warm-up while the user opens the link: the inspector's code is loaded and its
      // per-process caches (tool versions, hardware) are filled before the first page asks,
      // which then gets a fresh report in tens of ms instead of hundreds.
      void ctx.router.call('inspect.report', {})
      ctx.out(`Hyperscale Companion (browser mode) is serving on 127.0.0.1 only.`)
      ctx.out(`Open: ${server.url}`)
      ctx.out(`Over SSH, on your own computer run:  ssh -N -L ${server.port}:127.0.0.1:${server.port} ${os.userInfo().username}@${os.hostname()}`)
      ctx.out(
        ctx.style.dim('then open the same URL there. The token is in the part after # (never sent to a server or logged); keep it private. Ctrl+C stops.')
      )
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().then(resolve)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await shutdownServices(ctx.services)
      return 0
    }
  }
]
