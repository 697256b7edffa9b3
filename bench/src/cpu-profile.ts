import { readFile } from 'node:fs/promises';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per profile node, in µs, and their sum. */
async function selfTimes(path: string) {
  const cpu = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const self = new Map<number, number>();
  cpu.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (cpu.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return { cpu, self, total };
}

/** Prints the functions with the most self time in a V8 `.cpuprofile` (from `--cpu-prof`). */
export async function printCpuProfileTop(path: string, limit: number): Promise<void> {
  const { cpu, self, total } = await selfTimes(path);
  const byFunction = new Map<string, number>();
  for (const node of cpu.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      .replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '')
      .replace(/^file:\/\/.*?\/(server|shared)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  console.log(`\nCPU profile ${path}: top self time of ${(total / 1e6).toFixed(1)} s`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}

/** Self time of a V8 `.cpuprofile` summed per npm package (or `folio/<package>`, `node:`, `(program)`, `(gc)`). */
export async function printCpuProfileByPackage(path: string, limit: number): Promise<void> {
  const { cpu, self, total } = await selfTimes(path);
  const byPackage = new Map<string, number>();
  for (const node of cpu.nodes) {
    const { functionName, url } = node.callFrame;
    const pkg =
      /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      /\/(api|shared|server|worker)\/dist\//.exec(url)?.[1]?.replace(/^/, 'folio/') ??
      (url.startsWith('node:') ? 'node:' : url ? 'other' : functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + (self.get(node.id) ?? 0));
  }
  console.log(`\nCPU profile ${path}: self time by package, of ${(total / 1e6).toFixed(1)} s`);
  for (const [key, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}
