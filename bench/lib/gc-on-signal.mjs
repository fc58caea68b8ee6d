// Preloaded into a proxy child by bench/consume.ts together with --expose-gc: SIGUSR2 runs a full
// garbage collection, so the benchmark can read RSS at a settled point instead of wherever the
// collector happens to be. Adds no other behaviour; the proxy itself never sees SIGUSR2.
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
});
