import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Runs existing test files again in a child vitest with another environment — the same
 * test bodies against another Redis (a cluster) or through a pooler — instead of copying
 * them. The child uses the repository's vitest config (its global set-up creates the
 * template database through TEST_DATABASE_URL), reports to a JSON file of its own, and is
 * killed when it overruns `timeoutMs`.
 */
export interface NestedRun {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
  /** Names of failed tests, and the last output lines when something broke. */
  failures: string[];
  output: string;
  durationMs: number;
}

const root = resolve(import.meta.dirname, '../..');
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs');

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string }[];
  }[];
}

export async function runNestedVitest(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<NestedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'folio-nested-vitest-'));
  const reportFile = join(dir, 'report.json');
  const started = Date.now();
  // CI makes the repository's config write the run's own report file: never from here.
  const { CI: _, ...inherited } = process.env;
  const child = spawn(
    process.execPath,
    [vitestBin, 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${reportFile}`, ...args],
    { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const timer = setTimeout(() => {
    output += `\n[nested vitest killed after ${timeoutMs} ms]`;
    child.kill('SIGKILL');
  }, timeoutMs);
  await new Promise<void>((done) => child.once('exit', () => done()));
  clearTimeout(timer);
  process.off('exit', reap);
  try {
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
    } catch {}
    if (!report) {
      return {
        passed: 0,
        failed: 1,
        skipped: 0,
        files: 0,
        failures: [output.slice(-4_000)],
        output,
        durationMs: Date.now() - started,
      };
    }
    const failures = report.testResults.flatMap((file) => [
      ...(file.status === 'failed' && file.assertionResults.length === 0
        ? [`${file.name}: ${file.message ?? 'failed to load'}`]
        : []),
      ...file.assertionResults.filter((t) => t.status === 'failed').map((t) => `${file.name}: ${t.fullName}`),
    ]);
    return {
      passed: report.numPassedTests,
      failed:
        report.numFailedTests +
        (failures.length > report.numFailedTests ? failures.length - report.numFailedTests : 0),
      skipped: report.numPendingTests + (report.numTodoTests ?? 0),
      files: report.testResults.length,
      failures: failures.length > 0 ? [...failures, output.slice(-4_000)] : [],
      output,
      durationMs: Date.now() - started,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
