import type { Command } from '../command'
import { UsageError } from '../args'
import { settingsSchema, type Settings, type SettingsPatch } from '../../shared/contract'

export const commands: Command[] = [
  {
    path: ['settings', 'show'],
    summary: 'Show the current settings',
    maxArgs: 0,
    async run(_args, ctx) {
      const state = await ctx.call('settings.get', {})
      if (state.notice) ctx.err(state.notice)
      ctx.out(JSON.stringify(ctx.json ? state : state.settings, null, 2))
      return 0
    }
  },
  {
    path: ['settings', 'set'],
    summary: 'Change one setting (lists take a JSON array)',
    args: 'KEY=VALUE',
    minArgs: 1,
    maxArgs: 1,
    async run(args, ctx) {
      const [key, ...rest] = args.positionals[0].split('=')
      const raw = rest.join('=')
      const keys = Object.keys(settingsSchema.shape).filter((k) => k !== 'importedKeys')
      if (key === 'importedKeys')
        throw new UsageError('trusted keys are not a plain setting: import them in Settings → Trusted keys, where each key is checked')
      if (!keys.includes(key) || rest.length === 0) throw new UsageError(`expected KEY=VALUE with KEY one of ${keys.join(', ')}`)
      let v: unknown = raw
      if (raw === 'true' || raw === 'false') v = raw === 'true'
      else if (raw.startsWith('[')) {
        try {
          v = JSON.parse(raw)
        } catch {
          throw new UsageError(`${key}: not a JSON array`)
        }
      }
      const state = await ctx.call('settings.update', { [key]: v } as SettingsPatch)
      ctx.print(state, () => `${key} = ${JSON.stringify(state.settings[key as keyof Settings])}`)
      return 0
    }
  }
]
