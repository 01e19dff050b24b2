// Renders the CliHelp model (cli-help.mjs) as a man(7) page. Everything below NAME comes from
// hsc's own help text, so the page cannot drift from the program it describes.

/** Escapes text for roff: backslashes, hyphens in options, and a leading control character. */
export function roff(text) {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-')
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped
}

const optionLines = (options) => options.flatMap((o) => ['.TP', `.B \\-\\-${roff(o.name)}${o.value ? ` \\fI${roff(o.value)}\\fR` : ''}`, roff(o.summary)])

/**
 * @param {import('./cli-help.mjs').CliHelp} help
 * @param {{ version: string, date: string }} meta
 */
export function renderMan(help, meta) {
  const out = [
    `.\\" Generated from \`hsc --help\` by scripts/packaging/cli-docs.mjs; edit src/cli, not this file.`,
    `.TH HSC 1 "${meta.date}" "hsc ${roff(meta.version)}" "User Commands"`,
    '.SH NAME',
    `hsc \\- ${roff(help.title.replace(/^hsc:\s*/, ''))}`,
    '.SH SYNOPSIS',
    `.B hsc`,
    roff(help.usage.replace(/^hsc\s*/, '')),
    '.SH DESCRIPTION',
    'Inspects what the kernel and system support, manages the CentOS Hyperscale dnf repositories,',
    'shows and toggles systemd\\-oomd, downloads and verifies the Hyperscale spin images and writes',
    'them to USB drives. The same services back the desktop app and its browser mode',
    '.RB ( "hsc gui \\-\\-browser" ).',
    '.SH COMMANDS'
  ]
  for (const g of help.groups) {
    out.push('.SS ' + roff(`${g.word}: ${g.summary}`))
    for (const c of help.commands.filter((x) => x.path[0] === g.word)) {
      const readsRoot = c.globals.some((o) => o.name === 'root')
      out.push('.TP', `.B hsc ${roff(c.path.join(' '))}${c.args ? ` \\fI${roff(c.args)}\\fR` : ''}`, roff(c.summary) + (readsRoot ? '.' : ''))
      if (readsRoot) out.push('Reads the system under \\fB\\-\\-root\\fR \\fIDIR\\fR when given.')
      if (c.options.length) out.push('.RS', ...optionLines(c.options), '.RE')
    }
  }
  out.push('.SH OPTIONS', 'These options apply to every command:', ...optionLines(help.globals))
  const exit = help.notes.find((n) => n.startsWith('Exit status:'))
  if (exit) out.push('.SH EXIT STATUS', roff(exit.replace(/^Exit status:\s*/, '')))
  const rest = help.notes.filter((n) => n !== exit)
  if (rest.length) out.push('.SH NOTES', ...rest.map((n) => roff(n.replace(/`([^`]+)`/g, '$1'))))
  out.push('.SH SEE ALSO', '.BR pkexec (1),', '.BR udisksctl (1),', '.BR dnf (8),', '.BR systemd\\-oomd (8)', '')
  return out.join('\n')
}
