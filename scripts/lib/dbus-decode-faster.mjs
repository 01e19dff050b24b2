// An esbuild plugin for every bundle that includes dbus-next (scripts/build-cli.mjs); tested by
// test/drives/dbus-decode-faster.test.ts against dbus-next as published.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const TREE_WIRE = fileURLToPath(new URL('../../src/main/services/drives/udisks/tree-wire.ts', import.meta.url))

// dbus-next decodes every 64-bit integer through a Long, its decimal string and BigInt(), and
// parses each variant's signature again: UDisks2's object tree (hundreds of sizes and device
// numbers) cost a cold drive command ~10 ms more than reading them straight from the buffer.
// UDisks2's GetManagedObjects reply skips dbus-next's passes altogether: tree-wire.ts reads
// it into the plain tree the drives service uses, and hands anything odd back to dbus-next.
// Same values, same shapes; the build stops if the code these edits anchor on has changed.
export const dbusDecodeFaster = {
  name: 'dbus-next-decode-faster',
  setup(b) {
    const edit = (file, text, anchor, replacement) => {
      if (!text.includes(anchor))
        throw new Error(
          `${file}: dbus-next changed; review the dbusDecodeFaster edit in scripts/lib/dbus-decode-faster.mjs (anchor not found: ${anchor.split('\n')[0]})`
        )
      return text.replace(anchor, replacement)
    }
    b.onLoad({ filter: /[\\/]dbus-next[\\/]lib[\\/]dbus-buffer\.js$/ }, (args) => {
      const anchor = 'DBusBuffer.prototype.readSimpleType = function readSimpleType (t) {\n  let len, word0, word1;\n'
      const fast = `${anchor}  if ((t === 't' || t === 'x') && !getBigIntCompat()) {
    this.align(3);
    const le = this.endian === LE;
    const v = t === 't' ? (le ? this.buffer.readBigUInt64LE(this.pos) : this.buffer.readBigUInt64BE(this.pos)) : (le ? this.buffer.readBigInt64LE(this.pos) : this.buffer.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
`
      return { loader: 'js', contents: edit(args.path, readFileSync(args.path, 'utf8'), anchor, fast) }
    })
    b.onLoad({ filter: /[\\/]dbus-next[\\/]lib[\\/]message\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8')
      text = edit(args.path, text, "const marshall = require('./marshall');\n", `$&const treeWire = require(${JSON.stringify(TREE_WIRE)});\n`)
      const body = '          message.body = messageBuffer.read(message.signature);\n'
      const plainFirst = `          const plainBody = message.type === constants.MessageType.METHOD_RETURN && endian === LE ? treeWire.decodeObjectTreeBody(message.signature, fieldsAndBody, messageBuffer.pos) : undefined;
          if (plainBody !== undefined) {
            message.body = plainBody;
            message.plainBody = true;
          } else {
  ${body}          }
`
      return { loader: 'js', contents: edit(args.path, text, body, plainFirst) }
    })
    b.onLoad({ filter: /[\\/]dbus-next[\\/]lib[\\/]marshall-compat\.js$/ }, (args) => {
      const anchor = 'function messageToJsFmt (message) {\n'
      return { loader: 'js', contents: edit(args.path, readFileSync(args.path, 'utf8'), anchor, `${anchor}  if (message.plainBody) return message;\n`) }
    })
    b.onLoad({ filter: /[\\/]dbus-next[\\/]lib[\\/]signature\.js$/ }, (args) => {
      // Trees are only read by dbus-next, so one parse per signature serves every message; the
      // map is bounded because a peer chooses its variants' signatures.
      const memo = `const parsedSignatures = new Map();
function parseSignatureOnce (signature) {
  let tree = parsedSignatures.get(signature);
  if (tree === undefined) {
    tree = parseSignature(signature);
    if (parsedSignatures.size < 512) parsedSignatures.set(signature, tree);
  }
  return tree;
}

module.exports = {
  parseSignature: parseSignatureOnce,`
      return { loader: 'js', contents: edit(args.path, readFileSync(args.path, 'utf8'), 'module.exports = {\n  parseSignature: parseSignature,', memo) }
    })
  }
}
