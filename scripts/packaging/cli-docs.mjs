#!/usr/bin/env node
// Writes hsc's man page and bash completion from the help text of a built hsc:
//   node scripts/packaging/cli-docs.mjs --hsc bin/hsc.cjs --version 0.1.0 --man hsc.1 --bash-completion hsc.bash
// Run at RPM build time (%build), so both describe the hsc that is packaged.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { readCliHelp } from './cli-help.mjs'
import { renderMan } from './man.mjs'
import { renderBashCompletion } from './bash-completion.mjs'

const { values } = parseArgs({
  options: {
    hsc: { type: 'string', default: 'bin/hsc.cjs' },
    version: { type: 'string' },
    man: { type: 'string' },
    'bash-completion': { type: 'string' }
  }
})
if (!values.version || (!values.man && !values['bash-completion'])) {
  process.stderr.write('usage: cli-docs.mjs --hsc PATH --version VERSION [--man OUT.1] [--bash-completion OUT]\n')
  process.exit(2)
}
// SOURCE_DATE_EPOCH keeps the page reproducible (rpmbuild sets it from %changelog when asked to).
const epoch = Number(process.env.SOURCE_DATE_EPOCH)
const date = (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date()).toISOString().slice(0, 10)
const help = readCliHelp(values.hsc)
if (values.man) writeFileSync(values.man, renderMan(help, { version: values.version, date }))
if (values['bash-completion']) writeFileSync(values['bash-completion'], renderBashCompletion(help, { version: values.version }))
