// Renders the CliHelp model (cli-help.mjs) as a bash completion script: command words, then
// subcommands, then the options each command takes; files or directories where the help names
// a FILE, IMAGE or DIR. Plain bash (COMP_WORDS), so it needs no bash-completion helpers.

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`
const kind = (name) => (/DIR$/.test(name) ? 'dir' : /FILE|IMAGE|\.md|\.json/.test(name) ? 'file' : 'none')

/** @param {import('./cli-help.mjs').CliHelp} help */
export function renderBashCompletion(help, meta) {
  const children = new Map([['', help.groups.map((g) => g.word)]])
  for (const c of help.commands) {
    for (let i = 1; i < c.path.length; i++) {
      const parent = c.path.slice(0, i).join(' ')
      const list = children.get(parent) ?? []
      if (!list.includes(c.path[i])) list.push(c.path[i])
      children.set(parent, list)
    }
  }
  const valued = new Map()
  for (const o of [...help.globals, ...help.commands.flatMap((c) => c.options)]) if (o.value) valued.set(o.name, kind(o.value))
  const lines = [
    `# bash completion for hsc ${meta.version}, generated from \`hsc --help\` by scripts/packaging/cli-docs.mjs.`,
    '',
    '_hsc_children() {',
    '  case "$1" in',
    ...[...children].map(([k, v]) => `    ${q(k)}) echo ${q(v.join(' '))} ;;`),
    '  esac',
    '}',
    '',
    '_hsc_options() {',
    '  case "$1" in',
    ...help.commands.map((c) => `    ${q(c.path.join(' '))}) echo ${q([...c.options, ...c.globals].map((o) => `--${o.name}`).join(' '))} ;;`),
    `    *) echo ${q(help.globals.map((o) => `--${o.name}`).join(' '))} ;;`,
    '  esac',
    '}',
    '',
    '# What the value of an option is: file, dir or none; empty when the option takes no value.',
    '_hsc_value_kind() {',
    '  case "$1" in',
    ...[...valued].map(([name, k]) => `    --${name}) echo ${k} ;;`),
    '  esac',
    '}',
    '',
    '_hsc_args_kind() {',
    '  case "$1" in',
    ...help.commands.filter((c) => c.args).map((c) => `    ${q(c.path.join(' '))}) echo ${kind(c.args.split(/\s+/)[0])} ;;`),
    '  esac',
    '}',
    '',
    '_hsc() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  local path="" i w k positional=0',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    if [[ $w == -* ]]; then',
    '      [[ -n $(_hsc_value_kind "$w") ]] && ((i++))',
    '    elif [[ " $(_hsc_children "$path") " == *" $w "* && $positional -eq 0 ]]; then',
    '      path=${path:+$path }$w',
    '    else',
    '      positional=1',
    '    fi',
    '  done',
    '  k=$(_hsc_value_kind "$prev")',
    '  if [[ -n $k && COMP_CWORD -gt 1 ]]; then',
    '    case $k in',
    '      dir) COMPREPLY=($(compgen -d -- "$cur")) ;;',
    '      file) COMPREPLY=($(compgen -f -- "$cur")) ;;',
    '      *) COMPREPLY=() ;;',
    '    esac',
    '    return',
    '  fi',
    '  if [[ $cur == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$(_hsc_options "$path")" -- "$cur"))',
    '    return',
    '  fi',
    '  local next=$(_hsc_children "$path")',
    '  if [[ -n $next && $positional -eq 0 ]]; then',
    '    COMPREPLY=($(compgen -W "$next" -- "$cur"))',
    '    return',
    '  fi',
    '  case $(_hsc_args_kind "$path") in',
    '    dir) COMPREPLY=($(compgen -d -- "$cur")) ;;',
    '    file) COMPREPLY=($(compgen -f -- "$cur")) ;;',
    '    *) COMPREPLY=() ;;',
    '  esac',
    '}',
    '',
    'complete -o filenames -F _hsc hsc',
    ''
  ]
  return lines.join('\n')
}
