#!/usr/bin/env node
// The entry before bin/hsc.cjs: fact scripts and systemd units written by `hsc facts install`
// name the entry's real path, so this one keeps them working after an upgrade. New commands
// run bin/hsc.cjs directly (an ES module entry starts Node's ES module loader first, ~5 % of a
// cold command), and anything this run writes names that path too.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

process.argv[1] = fileURLToPath(new URL('./hsc.cjs', import.meta.url))
createRequire(import.meta.url)('./hsc.cjs').main()
