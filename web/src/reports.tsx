import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api';
import { navigate } from './router';

// The reports dashboard: GET /stats/report drawn as plain SVG bar charts. Each chart is an image named by
// its caption, and the same numbers follow it in a visually hidden table for screen readers.

interface Distribution {
  medianMinutes: number | null;
  tickets: number;
  buckets: { fromMinutes: number; toMinutes: number | null; tickets: number }[];
}

interface Report {
  period: { from: string; to: string };
  days: { date: string; opened: number; resolved: number }[];
  sla: { priority: string; policy: string | null; met: number; breached: number; running: number }[];
  firstResponse: Distribution;
  resolution: Distribution;
  satisfaction: {
    surveysSent: number;
    responses: number;
    averageRating: number | null;
    scorePercent: number | null;
    byRating: { rating: number; answers: number }[];
  };
}

const RANGES = [7, 30, 90];
const DAY_MS = 86_400_000;

interface Series {
  name: string;
  /** Its class in styles.css: the colour of its bars and of its key. */
  class: string;
}

interface Group {
  label: string;
  values: number[];
}

const W = 640;
const H = 220;
const AXIS = 24;
const TOP = 16;

/** The bars of a chart: side by side per group, or stacked; every n-th label when they would crowd. */
function BarChart(props: {
  id: string;
  title: string;
  series: Series[];
  groups: Group[];
  stacked?: boolean;
}) {
  const { id, title, series, groups, stacked } = props;
  const heights = groups.map((g) =>
    stacked ? g.values.reduce((a, b) => a + b, 0) : Math.max(0, ...g.values),
  );
  const max = Math.max(1, ...heights);
  const slot = (W - AXIS) / Math.max(1, groups.length);
  const barWidth = stacked ? slot * 0.7 : (slot * 0.8) / series.length;
  const y = (value: number) => ((H - AXIS - TOP) * value) / max;
  const every = Math.ceil(groups.length / 12);
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      {series.length > 1 && (
        <ul class="chart-key" aria-hidden="true">
          {series.map((s) => (
            <li key={s.name}>
              <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
                <rect width="12" height="12" class={s.class} />
              </svg>{' '}
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <svg viewBox={`0 0 ${W} ${H}`} class="chart-svg" role="img">
        <title>{title}</title>
        <line x1={AXIS} y1={H - AXIS} x2={W} y2={H - AXIS} class="chart-axis" />
        <line x1={AXIS} y1={TOP} x2={W} y2={TOP} class="chart-grid" />
        <text x={AXIS - 4} y={TOP + 4} text-anchor="end" class="chart-label">
          {max}
        </text>
        <text x={AXIS - 4} y={H - AXIS} text-anchor="end" class="chart-label">
          0
        </text>
        {groups.map((g, i) => {
          const left = AXIS + i * slot + (slot - (stacked ? barWidth : barWidth * series.length)) / 2;
          let base = H - AXIS;
          return (
            <g key={g.label}>
              {g.values.map((value, s) => {
                const h = y(value);
                const x = stacked ? left : left + s * barWidth;
                const top = stacked ? base - h : H - AXIS - h;
                if (stacked) base -= h;
                return (
                  <rect
                    key={series[s]!.name}
                    x={x}
                    y={top}
                    width={barWidth}
                    height={h}
                    class={series[s]!.class}
                  >
                    <title>{`${g.label}, ${series[s]!.name}: ${value}`}</title>
                  </rect>
                );
              })}
              {i % every === 0 && (
                <text x={AXIS + (i + 0.5) * slot} y={H - 8} text-anchor="middle" class="chart-label">
                  {g.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <table class="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <td />
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.label}>
              <th scope="row">{g.label}</th>
              {g.values.map((v, s) => (
                <td key={series[s]!.name}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

const duration = (minutes: number) =>
  minutes < 60 ? `${minutes} min` : minutes < 1440 ? `${minutes / 60} h` : `${minutes / 1440} d`;

const bucketLabel = (b: Distribution['buckets'][number]) =>
  b.toMinutes === null ? `${duration(b.fromMinutes)}+` : `< ${duration(b.toMinutes)}`;

const medianText = (d: Distribution) =>
  d.medianMinutes === null ? 'no tickets' : `median ${Math.round(d.medianMinutes)} min over ${d.tickets}`;

function Histogram(props: { id: string; title: string; distribution: Distribution }) {
  const { distribution: d } = props;
  return (
    <BarChart
      id={props.id}
      title={`${props.title} (${medianText(d)})`}
      series={[{ name: 'Tickets', class: 'bar-tickets' }]}
      groups={d.buckets.map((b) => ({ label: bucketLabel(b), values: [b.tickets] }))}
    />
  );
}

/** The last `days` whole UTC days up to today, as the API's `from` and `to`. */
function periodOf(days: number) {
  const today = Date.now();
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(today - (days - 1) * DAY_MS), to: day(today) };
}

export function ReportsPage({ days }: { days: number }) {
  const range = RANGES.includes(days) ? days : 30;
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const { from, to } = periodOf(range);
    setReport(null);
    setError('');
    api<Report>('GET', `/stats/report?from=${from}&to=${to}`).then(setReport, (e) => setError(errorText(e)));
  }, [range]);
  const s = report?.satisfaction;
  return (
    <section class="reports" aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <p class="range">
        <label for="report-range">Reporting period</label>{' '}
        <select
          id="report-range"
          value={String(range)}
          onChange={(e) => navigate(`/reports?days=${(e.target as HTMLSelectElement).value}`)}
        >
          {RANGES.map((n) => (
            <option key={n} value={String(n)}>
              Last {n} days
            </option>
          ))}
        </select>
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!report ? (
        !error && <p class="loading">Loading…</p>
      ) : (
        <div class="charts">
          <BarChart
            id="volume"
            title="Tickets opened and resolved per day"
            series={[
              { name: 'Opened', class: 'bar-opened' },
              { name: 'Resolved', class: 'bar-resolved' },
            ]}
            groups={report.days.map((d) => ({ label: d.date.slice(5), values: [d.opened, d.resolved] }))}
          />
          <BarChart
            id="sla"
            title="SLA met and breached per policy (tickets opened in the period)"
            stacked
            series={[
              { name: 'Met', class: 'bar-met' },
              { name: 'Breached', class: 'bar-breached' },
              { name: 'Running', class: 'bar-running' },
            ]}
            groups={report.sla.map((p) => ({
              label: p.policy ?? `Built-in ${p.priority}`,
              values: [p.met, p.breached, p.running],
            }))}
          />
          <Histogram id="first-response" title="Time to first response" distribution={report.firstResponse} />
          <Histogram id="resolution" title="Time to resolution" distribution={report.resolution} />
          <BarChart
            id="csat"
            title={
              s!.averageRating === null
                ? 'Satisfaction ratings (no answers yet)'
                : `Satisfaction ratings (average ${s!.averageRating} of 5, CSAT ${s!.scorePercent}%, ${s!.responses} answers, ${s!.surveysSent} surveys sent)`
            }
            series={[{ name: 'Answers', class: 'bar-tickets' }]}
            groups={s!.byRating.map((r) => ({ label: `${r.rating} ★`, values: [r.answers] }))}
          />
        </div>
      )}
    </section>
  );
}
