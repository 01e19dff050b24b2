/**
 * A value made on its first use and kept: for what a command reaches but may not need, such
 * as the spins service's zod schemas, which `hsc write` loads for one look-up (#15).
 */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined
  return () => (value ??= make())
}

/**
 * A Node built-in module loaded on its first use, synchronously (for constructors and other
 * sync code; async code uses `await import()`). tls, child_process and worker_threads each cost
 * a cold command 1-4 ms to load, and `hsc write` reaches their importers (the spins service for
 * one look-up, the image reader, the hash thread) without using them (#15). Through
 * process.getBuiltinModule: node:module's createRequire would load the ES module loader.
 */
export function lazyBuiltin<T>(id: `node:${string}`): () => T {
  return lazy(() => process.getBuiltinModule(id) as T)
}
