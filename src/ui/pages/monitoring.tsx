/** Monitoring: every tool over a range (the dashboard), and one tool's charts. */
import { LATENCY_BUCKET_BOUNDS_MS } from "../../db/schema";
import {
  OUTCOME_ORDER,
  percentile,
  RANGES,
  successRate,
  type RangeName,
  type ToolSeries,
  type ToolSummary,
  type Totals,
} from "../../registry/rollups";
import { BarChart, formatNumber } from "../charts";
import { Page } from "../layout";
import type { Session } from "../session";

function RangeLinks({ base, range, extra = {} }: { base: string; range: RangeName; extra?: Record<string, string> }) {
  return (
    <nav aria-label="Range" class="filter">
      {(Object.keys(RANGES) as RangeName[]).map((name) => (
        <a
          href={`${base}?${new URLSearchParams({ ...extra, range: name })}`}
          aria-current={name === range ? "page" : undefined}
        >
          {`Last ${RANGES[name].label}`}
        </a>
      ))}
    </nav>
  );
}

/** A latency percentile in words: the histogram bucket it falls in. */
export function latencyText(totals: Totals, q: number): string {
  const bucket = percentile(totals.histogram, q);
  if (!bucket) return "—";
  return bucket.upperMs === Infinity
    ? `over ${formatMs(LATENCY_BUCKET_BOUNDS_MS.at(-2)!)}`
    : `${formatMs(bucket.lowerMs)}–${formatMs(bucket.upperMs)}`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${formatNumber(ms / 1000)} s` : `${ms} ms`;
}

function rateText(totals: Totals): string {
  const rate = successRate(totals);
  return rate === null ? "—" : `${formatNumber(rate * 100)}%`;
}

export interface DashboardProps {
  session: Session;
  range: RangeName;
  sort: "calls" | "errors";
  tools: ToolSummary[];
}

export function DashboardPage({ session, range, sort, tools }: DashboardProps) {
  return (
    <Page title="Monitoring" session={session} current="monitoring">
      <h1>Monitoring</h1>
      <p>
        Calls, errors and latency of every tool over the last {RANGES[range].label}. See each run in{" "}
        <a href="/ui/runs">All runs</a>.
      </p>
      <RangeLinks base="/ui/monitoring" range={range} extra={{ sort }} />
      <p>
        Sort by:{" "}
        <a
          href={`/ui/monitoring?${new URLSearchParams({ range, sort: "calls" })}`}
          aria-current={sort === "calls" ? "true" : undefined}
        >
          calls
        </a>{" "}
        ·{" "}
        <a
          href={`/ui/monitoring?${new URLSearchParams({ range, sort: "errors" })}`}
          aria-current={sort === "errors" ? "true" : undefined}
        >
          errors
        </a>
      </p>
      {tools.length === 0 ? (
        <p class="card">No tool was called in the last {RANGES[range].label}.</p>
      ) : (
        <>
          <BarChart
            id="dashboard-calls"
            title={`Calls per tool, last ${RANGES[range].label}`}
            desc={tools.map((t) => `${t.toolName}: ${t.calls} calls, ${t.errors} errors`).join("; ")}
            bars={tools.slice(0, 20).map((t) => ({
              label: t.toolName,
              parts: [
                { value: t.calls - t.errors, className: "ok" },
                { value: t.errors, className: "bad" },
              ],
            }))}
          />
          <table>
            <caption>Tools, by {sort}</caption>
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Calls</th>
                <th scope="col">Errors</th>
                <th scope="col">Success rate</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
              </tr>
            </thead>
            <tbody>
              {tools.map((t) => (
                <tr>
                  <td data-label="Tool">
                    <a href={`/ui/tools/${t.toolId}/monitoring?${new URLSearchParams({ range })}`}>{t.toolName}</a>
                  </td>
                  <td data-label="Calls">{t.calls}</td>
                  <td data-label="Errors">{t.errors}</td>
                  <td data-label="Success rate">{rateText(t)}</td>
                  <td data-label="p50">{latencyText(t, 0.5)}</td>
                  <td data-label="p95">{latencyText(t, 0.95)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Page>
  );
}

export interface ToolMonitoringProps {
  session: Session;
  toolId: string;
  toolName: string;
  series: ToolSeries;
}

export function ToolMonitoringPage({ session, toolId, toolName, series }: ToolMonitoringProps) {
  const { range, points, total } = series;
  const label = RANGES[range].label;
  const rate = successRate(total);
  return (
    <Page title={`Monitoring ${toolName}`} session={session} current="monitoring">
      <p class="muted">
        <a href="/ui/monitoring">Monitoring</a> / <a href={`/ui/tools/${toolId}`}>{toolName}</a> /
      </p>
      <h1>Monitoring {toolName}</h1>
      <RangeLinks base={`/ui/tools/${toolId}/monitoring`} range={range} />
      <p class="summary">
        {`${total.calls} calls in the last ${label}`}
        {rate !== null &&
          `, ${rateText(total)} succeeded; p50 ${latencyText(total, 0.5)}, p95 ${latencyText(total, 0.95)}`}
        . <a href={`/ui/runs?${new URLSearchParams({ tool: toolId })}`}>See its runs</a>
      </p>
      <h2>Calls</h2>
      <BarChart
        id="calls"
        title={`Calls of ${toolName}, last ${label}: ${total.calls} calls`}
        desc={`${total.calls} calls, ${total.calls - (total.byOutcome.success ?? 0)} failed. Per ${RANGES[range].keyLength === 13 ? "hour" : "day"}: ${points.map((p) => `${p.key} ${p.calls}`).join(", ")}`}
        bars={points.map((p) => ({
          label: p.key.length === 13 ? `${p.key.slice(11)}h` : p.key.slice(5),
          parts: [
            { value: p.byOutcome.success ?? 0, className: "ok" },
            { value: p.calls - (p.byOutcome.success ?? 0), className: "bad" },
          ],
        }))}
      />
      <h2>Success rate</h2>
      <BarChart
        id="success"
        title={`Success rate of ${toolName}, last ${label}: ${rateText(total)}`}
        desc={points.map((p) => `${p.key} ${rateText(p)}`).join(", ")}
        max={100}
        unit="%"
        bars={points.map((p) => ({
          label: p.key.length === 13 ? `${p.key.slice(11)}h` : p.key.slice(5),
          parts: [{ value: (successRate(p) ?? 0) * 100, className: "ok" }],
        }))}
      />
      <h2>Outcomes</h2>
      <table>
        <caption class="sr-only">Calls by outcome</caption>
        <thead>
          <tr>
            <th scope="col">Outcome</th>
            <th scope="col">Calls</th>
          </tr>
        </thead>
        <tbody>
          {OUTCOME_ORDER.filter((o) => total.byOutcome[o]).map((o) => (
            <tr>
              <td data-label="Outcome">
                <a href={`/ui/runs?${new URLSearchParams({ tool: toolId, outcome: o })}`}>{o.replaceAll("_", " ")}</a>
              </td>
              <td data-label="Calls">{total.byOutcome[o]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Per {RANGES[range].keyLength === 13 ? "hour" : "day"}</h2>
      <table>
        <caption class="sr-only">Calls, success rate and latency per point</caption>
        <thead>
          <tr>
            <th scope="col">From (UTC)</th>
            <th scope="col">Calls</th>
            <th scope="col">Success rate</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {points
            .filter((p) => p.calls > 0)
            .map((p) => (
              <tr>
                <td data-label="From">{p.key.replace("T", " ")}</td>
                <td data-label="Calls">{p.calls}</td>
                <td data-label="Success rate">{rateText(p)}</td>
                <td data-label="p50">{latencyText(p, 0.5)}</td>
                <td data-label="p95">{latencyText(p, 0.95)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </Page>
  );
}
