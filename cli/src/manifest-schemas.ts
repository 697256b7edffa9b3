/**
 * Offline schema validation of rendered Kubernetes objects, from the npm registry rather
 * than kubeconform (whose binaries and schema downloads are out of reach here):
 *
 * 1. `kubernetes-models`, `@kubernetes-models/argo-rollouts` and
 *    `@kubernetes-models/cloudnative-pg` ship the OpenAPI schemas of Kubernetes, Argo
 *    Rollouts and CloudNativePG as compiled validators: types, required fields, enums and
 *    formats. Those validators accept unknown fields, as the API server's own schemas do.
 * 2. So every object is also written out as a typed constant against the same packages'
 *    TypeScript interfaces and type-checked: TypeScript's excess-property check on object
 *    literals rejects a misspelled or misplaced field (kubeconform's `-strict`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot, type Yaml } from './delivery-files.js';

/** The module that models `apiVersion`/`kind`, or undefined for a kind no package ships. */
export function modelModule(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'argoproj.io') return `@kubernetes-models/argo-rollouts/${apiVersion}/${kind}`;
  if (group === 'postgresql.cnpg.io') return `@kubernetes-models/cloudnative-pg/${apiVersion}/${kind}`;
  if (group === '' || !group?.includes('.') || group.endsWith('.k8s.io')) {
    return `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
  }
  return undefined;
}

/** Schema errors of one object (empty when valid); throws for a kind no package models. */
export async function schemaErrors(object: Yaml): Promise<string[]> {
  const module = modelModule(object.apiVersion, object.kind);
  if (!module) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  const exports = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = exports[object.kind];
  if (!Model) throw new Error(`${module} exports no ${object.kind}`);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * Type-checks every object against its interface (`I<Kind>`); returns tsc's diagnostics,
 * each naming the object (`// <kind>/<name>` above its constant) by line.
 */
export function strictFieldErrors(objects: Yaml[]): string[] {
  const dir = mkdtempSync(join(repoRoot, 'cli/.manifest-check-'));
  try {
    const lines: string[] = [];
    objects.forEach((object, i) => {
      const module = modelModule(object.apiVersion, object.kind);
      lines.push(`// ${object.kind}/${object.metadata?.name}`);
      lines.push(`import type { I${object.kind} as T${i} } from '${module}';`);
      lines.push(`export const o${i}: T${i} = ${JSON.stringify(object)};`);
    });
    writeFileSync(join(dir, 'manifests.ts'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          skipLibCheck: true,
          types: [],
        },
        files: ['manifests.ts'],
      }),
    );
    const tsc = createRequire(join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
    if (result.status === 0) return [];
    const source = lines;
    return result.stdout
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => {
        const row = Number(/manifests\.ts\((\d+),/.exec(line)?.[1] ?? 0);
        const owner = source
          .slice(0, row)
          .reverse()
          .find((l) => l.startsWith('// '));
        return `${owner?.slice(3) ?? '?'}: ${line.replace(/^.*error TS\d+: /, '')}`;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
