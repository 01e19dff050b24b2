/**
 * Page-aligned buffers for O_DIRECT I/O. Node Buffers come from the allocator with no
 * alignment guarantee, but WebAssembly memory is mmap'ed and therefore page aligned; every
 * slice below starts on a 64 KiB (wasm page) boundary. The memory is never grown (growing
 * would detach these views).
 */
const WASM_PAGE = 64 * 1024

// The Node typings here declare WebAssembly's types but not its runtime value.
declare const WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer | SharedArrayBuffer } }

/** `shared`: backed by a SharedArrayBuffer, so a worker thread can hash them without a copy. */
export function alignedBuffers(count: number, size: number, opts: { shared?: boolean } = {}): Buffer[] {
  if (count < 1 || size < 1) throw new RangeError('alignedBuffers: count and size must be positive')
  const stride = Math.ceil(size / WASM_PAGE) * WASM_PAGE
  const pages = (stride * count) / WASM_PAGE
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: opts.shared === true })
  const all = Buffer.from(memory.buffer)
  return Array.from({ length: count }, (_, i) => all.subarray(i * stride, i * stride + size))
}

export const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to
