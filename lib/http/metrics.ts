/**
 * A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format 0.0.4. Hand-written to keep the server free of extra dependencies.
 */

/** Prometheus' default histogram buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The content type scrapers expect for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

interface Metric {
  readonly name: string;
  render(): string;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(labels);
}

/** A monotonically increasing count. */
export class Counter implements Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Called at scrape time for counts kept elsewhere; its samples replace the stored ones. Default: none. */
    private readonly collect?: () => { labels?: Labels; value: number }[],
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.#values.get(key);
    if (entry === undefined) this.#values.set(key, { labels, value: by });
    else entry.value += by;
  }

  render(): string {
    return renderSamples(this.name, this.help, 'counter', this.#values, this.collect);
  }
}

/** Renders a counter or gauge: the stored samples, or those `collect` reads at scrape time. */
function renderSamples(
  name: string,
  help: string,
  type: 'counter' | 'gauge',
  stored: Map<string, { labels: Labels; value: number }>,
  collect: (() => { labels?: Labels; value: number }[]) | undefined,
): string {
  let out = header(name, help, type);
  const samples =
    collect === undefined
      ? [...stored.values()]
      : collect().map((s) => ({ labels: s.labels ?? {}, value: s.value }));
  for (const { labels, value } of samples) out += `${name}${labelText(labels)} ${formatNumber(value)}\n`;
  return out;
}

/** A value that goes up and down; either set directly or read at scrape time by `collect`. */
export class Gauge implements Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Called at scrape time; its samples replace the stored ones. Default: none. */
    private readonly collect?: () => { labels?: Labels; value: number }[],
  ) {}

  set(value: number, labels: Labels = {}): void {
    this.#values.set(keyOf(labels), { labels, value });
  }

  render(): string {
    return renderSamples(this.name, this.help, 'gauge', this.#values, this.collect);
  }
}

interface Series {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

/** A cumulative histogram with fixed buckets (seconds by convention). */
export class Histogram implements Metric {
  readonly #series = new Map<string, Series>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending. Default: {@link DEFAULT_BUCKETS}. */
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = keyOf(labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    // Stored per bucket (not cumulative) so one observation touches one slot.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram');
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i] ?? 0;
        out += `${this.name}_bucket${labelText(s.labels, ['le', formatNumber(b)])} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}\n`;
      out += `${this.name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}\n`;
      out += `${this.name}_count${labelText(s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

/** Holds metrics by name and renders them all. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  /** Registers a metric; the name must be unique in this registry. */
  register<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new Error(`metric "${metric.name}" is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string, collect?: () => { labels?: Labels; value: number }[]): Counter {
    return this.register(new Counter(name, help, collect));
  }

  gauge(name: string, help: string, collect?: () => { labels?: Labels; value: number }[]): Gauge {
    return this.register(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }

  /** The whole registry in Prometheus text format. */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join('');
  }
}
