import { parseBool, parseIni } from './ini'

// Pure: the root helper imports this too, to switch the plugin on in the file it reads itself.

/** Where the dnf4 reflink plugin (python3-dnf-plugin-cow / rpm-plugin-reflink) reads its switch. */
export const REFLINK_CONF_NAME = 'reflink.conf'

/** The file with enabled=1 in [main], everything else kept. */
export function withPluginEnabled(text: string | undefined): string {
  if (!text || !/^\s*\[main\]\s*$/m.test(text)) return `[main]\nenabled=1\n${text ? `\n${text}` : ''}`
  const lines = text.split('\n')
  let inMain = false
  let done = false
  const out: string[] = []
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (header) {
      if (inMain && !done) {
        out.push('enabled=1')
        done = true
      }
      inMain = header[1] === 'main'
      out.push(line)
      continue
    }
    if (inMain && /^\s*enabled\s*=/.test(line)) {
      if (!done) out.push('enabled=1')
      done = true
      continue
    }
    out.push(line)
  }
  if (!done) {
    const at = out.findIndex((l) => /^\s*\[main\]\s*$/.test(l))
    out.splice(at + 1, 0, 'enabled=1')
  }
  return out.join('\n')
}

export function pluginEnabled(text: string | undefined): boolean {
  if (!text) return false
  const ini = parseIni(text)
  const raw = ini.error ? undefined : ini.sections.find((s) => s.name === 'main')?.values.get('enabled')?.value
  return raw !== undefined && parseBool(raw) === true
}
