import { isNa, type RunResult } from './results.js';
import type { TargetId } from './targets.js';

const COLORS: Record<TargetId, string> = {
  folio: '#d1495b',
  hocuspocus: '#00798c',
  stock: '#edae49',
  'y-websocket': '#30638e',
};

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * A hand-written SVG line chart of the saturation steps: propagation latency (p50 dashed,
 * p99 solid, log scale) against offered edits per second (log scale), one colour per server.
 */
export function latencyChart(result: RunResult): string {
  const series = result.targets.flatMap((t) => {
    const outcome = result.scenarios.saturation[t.id];
    if (!outcome || isNa(outcome) || outcome.steps.length === 0) return [];
    // A step measured twice (retried after a failure) is drawn with its last measurement.
    const last = new Map(outcome.steps.map((step) => [step.offeredEditsPerSec, step]));
    return [{ id: t.id, label: t.label, steps: [...last.values()] }];
  });
  const width = 720;
  const height = 420;
  const pad = { left: 64, right: 200, top: 30, bottom: 50 };
  const xs = series.flatMap((s) => s.steps.map((p) => p.offeredEditsPerSec));
  const ys = series.flatMap((s) => s.steps.flatMap((p) => [p.latencyMs.p50, p.latencyMs.p99]));
  const xMin = Math.min(...xs, 100);
  const xMax = Math.max(...xs, xMin * 2);
  const yMin = Math.max(0.1, 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...ys, 1)))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 100)));
  const px = (x: number) =>
    pad.left +
    ((Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * (width - pad.left - pad.right);
  const py = (y: number) =>
    height -
    pad.bottom -
    ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">Propagation latency against offered load (${escapeXml(result.meta.command)}, ${result.meta.startedAt.slice(0, 10)})</text>`,
  ];
  for (let decade = yMin; decade <= yMax * 1.001; decade *= 10) {
    const y = py(decade);
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end">${decade >= 1 ? decade : decade.toFixed(1)} ms</text>`,
    );
  }
  const limit = py(100);
  parts.push(
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${limit}" y2="${limit}" stroke="#999" stroke-dasharray="2 4"/>`,
    `<text x="${width - pad.right - 4}" y="${limit - 4}" text-anchor="end" fill="#666">p99 limit</text>`,
  );
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    const gx = px(x);
    parts.push(
      `<line x1="${gx}" x2="${gx}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#eee"/>`,
      `<text x="${gx}" y="${height - pad.bottom + 16}" text-anchor="middle">${x}</text>`,
    );
  }
  parts.push(
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">offered edits per second (log scale)</text>`,
    `<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[s.id];
    const line = (pick: (p: (typeof s.steps)[number]) => number, dash: string) =>
      `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash} points="${s.steps
        .map((p) => `${px(p.offeredEditsPerSec).toFixed(1)},${py(pick(p)).toFixed(1)}`)
        .join(' ')}"/>`;
    parts.push(
      line((p) => p.latencyMs.p99, ''),
      line((p) => p.latencyMs.p50, 'stroke-dasharray="5 4"'),
    );
    for (const p of s.steps) {
      parts.push(
        `<circle cx="${px(p.offeredEditsPerSec).toFixed(1)}" cy="${py(p.latencyMs.p99).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    }
    const ly = pad.top + 10 + i * 20;
    parts.push(
      `<line x1="${width - pad.right + 12}" x2="${width - pad.right + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${width - pad.right + 42}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push(
    `<text x="${width - pad.right + 12}" y="${pad.top + 10 + series.length * 20 + 10}" fill="#666">solid p99, dashed p50</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
