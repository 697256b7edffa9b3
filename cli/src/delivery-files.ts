/**
 * Test support for the delivery checks (delivery.test.ts, kubernetes.test.ts): the
 * repository's files, YAML read by python3's PyYAML (no YAML parser is a dependency of the
 * workspace), and the overlays rendered by `kubectl kustomize` — both tools the CI
 * workflow installs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const readRepoFile = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

// Parsed YAML: the tests check it field by field.
export type Yaml = any;

/** Every document of a YAML stream, parsed by PyYAML. */
export function parseYaml(text: string): Yaml[] {
  const result = spawnSync(
    'python3',
    [
      '-c',
      'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)',
    ],
    { input: text, encoding: 'utf8' },
  );
  if (result.error || result.status !== 0) {
    throw new Error(`python3 with PyYAML is needed to read YAML: ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

/** The objects `kubectl kustomize infra/k8s/overlays/<overlay>` renders. */
export function renderOverlay(overlay: string): Yaml[] {
  const text = execFileSync('kubectl', ['kustomize', join(repoRoot, 'infra/k8s/overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseYaml(text);
}

/** Variable names the README's configuration table documents. */
export function documentedEnv(): Set<string> {
  return new Set(
    [...readRepoFile('README.md').matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*)/gm)].flatMap((m) =>
      [...(m[1] ?? '').matchAll(/`([A-Z_]+)`/g)].map((n) => n[1] as string),
    ),
  );
}
