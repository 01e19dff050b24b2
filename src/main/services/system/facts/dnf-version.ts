import type { RootFs } from '../rootfs'

/**
 * dnf4's version without starting it: dnf4 is a Python script (/usr/bin/dnf -> dnf-3) and its
 * version is a constant in dnf/const.py. Reading that costs microseconds where
 * `dnf --version` costs a Python start-up (about a second). Undefined when /usr/bin/dnf is not
 * a Python script (dnf5's binary) or the constant is not where dnf4 keeps it: then ask dnf.
 */
export async function dnf4VersionFromFiles(fs: Pick<RootFs, 'tryReadText' | 'list'>): Promise<{ version: string; source: string } | undefined> {
  const head = (await fs.tryReadText('/usr/bin/dnf'))?.slice(0, 200)
  if (!head || !/^#!\S*python3/.test(head)) return undefined
  // /usr/lib holds a hundred or more entries: the pattern runs only on the python3 ones.
  const libs = (await fs.list('/usr/lib')).filter((d) => d.startsWith('python3') && /^python3(\.\d+)?$/.test(d))
  const candidates = libs.flatMap((d) => [`/usr/lib/${d}/site-packages/dnf/const.py`, `/usr/lib/${d}/dist-packages/dnf/const.py`])
  for (const file of candidates) {
    const text = await fs.tryReadText(file)
    const version = text && /^VERSION\s*=\s*['"](4\.[\w.]+)['"]/m.exec(text)?.[1]
    if (version) return { version, source: file }
  }
  return undefined
}
