/**
 * Server-rendered SVG charts (no script, no chart library): a bar chart with
 * a <title> and <desc> that say what it shows, labelled role="img". The
 * numbers are also in a table beside each chart (./pages/monitoring.tsx).
 */

export interface Bar {
  label: string;
  /** Stacked parts, bottom first; each drawn in its class's colour. */
  parts: { value: number; className: string }[];
}

export interface BarChartProps {
  id: string;
  title: string;
  desc: string;
  bars: Bar[];
  /** The top of the scale; at least the tallest bar. */
  max?: number | undefined;
  unit?: string | undefined;
}

const WIDTH = 640;
const HEIGHT = 160;
const PAD_LEFT = 44;
const PAD_BOTTOM = 20;

export function BarChart({ id, title, desc, bars, max, unit = "" }: BarChartProps) {
  const tallest = Math.max(0, ...bars.map((bar) => bar.parts.reduce((sum, part) => sum + part.value, 0)));
  const top = Math.max(max ?? 0, tallest, 1);
  const plotWidth = WIDTH - PAD_LEFT;
  const plotHeight = HEIGHT - PAD_BOTTOM;
  const step = plotWidth / Math.max(bars.length, 1);
  const barWidth = Math.max(1, step * 0.8);
  const labelEvery = Math.ceil(bars.length / 8);
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      data-chart={id}
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc}</desc>
      <line class="axis" x1={PAD_LEFT} y1={plotHeight} x2={WIDTH} y2={plotHeight} />
      <text class="tick" x={PAD_LEFT - 4} y={10} text-anchor="end">
        {`${formatNumber(top)}${unit}`}
      </text>
      <text class="tick" x={PAD_LEFT - 4} y={plotHeight} text-anchor="end">
        {`0${unit}`}
      </text>
      {bars.map((bar, i) => {
        let y = plotHeight;
        const x = PAD_LEFT + i * step + (step - barWidth) / 2;
        return (
          <g>
            {bar.parts.map((part) => {
              const h = (part.value / top) * plotHeight;
              y -= h;
              return part.value > 0 ? <rect class={part.className} x={x} y={y} width={barWidth} height={h} /> : null;
            })}
            {i % labelEvery === 0 && (
              <text class="tick" x={x + barWidth / 2} y={HEIGHT - 4} text-anchor="middle">
                {bar.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
