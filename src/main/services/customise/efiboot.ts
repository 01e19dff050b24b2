import { open } from 'node:fs/promises'

/** Copies `size` bytes at `offset` of the image into a file (the appended EFI partition). */
export async function copyRange(src: string, offset: number, size: number, dest: string): Promise<void> {
  const input = await open(src, 'r')
  const output = await open(dest, 'wx', 0o600)
  try {
    const buf = Buffer.allocUnsafe(1 << 20)
    for (let done = 0; done < size;) {
      const { bytesRead } = await input.read(buf, 0, Math.min(buf.length, size - done), offset + done)
      if (bytesRead === 0) throw new Error(`the image ends inside its EFI partition (at ${offset + done} bytes)`)
      await output.write(buf, 0, bytesRead)
      done += bytesRead
    }
  } finally {
    await input.close()
    await output.close()
  }
}
