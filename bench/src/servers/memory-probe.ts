/**
 * Preloaded (`node --expose-gc --import`) into every server under test, Folio and baselines
 * alike, so that the harness can ask for live memory: on SIGUSR2 it runs two full garbage
 * collections and prints one JSON line `{"memoryProbe": process.memoryUsage()}`. RSS alone
 * after a connection storm mostly measures garbage not yet collected.
 */
const collect = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  collect?.();
  collect?.();
  process.stdout.write(`${JSON.stringify({ memoryProbe: process.memoryUsage() })}\n`);
});
