import type { CompletionBin } from './report-summary';

// The distribution of completion times against the deadline, as an SVG a browser draws and a
// printer prints. Each bar is a button: the page's script filters the table to its requests.

const WIDTH = 640;
const HEIGHT = 240;
const TOP = 24;
const BOTTOM = 40;
const LEFT = 16;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function completionChart(bins: readonly CompletionBin[]): string {
  const max = Math.max(1, ...bins.map((bin) => bin.count));
  const slot = (WIDTH - 2 * LEFT) / bins.length;
  const plot = HEIGHT - TOP - BOTTOM;
  const firstLate = bins.findIndex((bin) => bin.late);
  const deadlineX = LEFT + firstLate * slot;
  const bars = bins
    .map((bin, i) => {
      const height = bin.count === 0 ? 0 : Math.max(2, (bin.count / max) * plot);
      const x = LEFT + i * slot + slot * 0.15;
      const y = TOP + plot - height;
      const label = `${bin.count} completed ${bin.late ? bin.label : `in ${bin.label}`}`;
      return `<g class="bar" data-bin="${i}" role="button" tabindex="0" aria-label="${escape(label)}: show them">
<rect class="hit" x="${(LEFT + i * slot).toFixed(1)}" y="${TOP}" width="${slot.toFixed(1)}" height="${HEIGHT - TOP}" fill="transparent"/>
<rect class="count" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}" fill="${bin.late ? '#b71c1c' : '#2e7d32'}" data-count="${bin.count}"><title>${escape(label)}</title></rect>
<text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 6).toFixed(1)}" text-anchor="middle">${bin.count}</text>
<text x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle">${escape(bin.label)}</text>
</g>`;
    })
    .join('\n');
  return `<svg class="completion-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="group" aria-labelledby="completion-chart-title">
<line x1="${LEFT}" y1="${TOP + plot}" x2="${WIDTH - LEFT}" y2="${TOP + plot}" stroke="#555"/>
<line class="deadline" x1="${deadlineX.toFixed(1)}" y1="${TOP - 14}" x2="${deadlineX.toFixed(1)}" y2="${TOP + plot}" stroke="#000" stroke-dasharray="4,3"/>
<text x="${(deadlineX - 4).toFixed(1)}" y="${TOP - 4}" text-anchor="end">deadline</text>
${bars}
</svg>`;
}
