import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../lib/http/index.ts';
import { makeApp, post, rolesEngine } from './support.ts';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and cumulative histograms in Prometheus text format', () => {
    const r = new MetricsRegistry();
    r.counter('c_total', 'a counter').inc({ a: 'x"y' }, 2);
    r.gauge('g', 'a gauge').set(1.5);
    const h = r.histogram('h', 'a histogram', [0.1, 1]);
    h.observe(0.05, { p: '/x' });
    h.observe(0.5, { p: '/x' });
    h.observe(5, { p: '/x' });
    expect(r.render()).toBe(
      [
        '# HELP c_total a counter',
        '# TYPE c_total counter',
        'c_total{a="x\\"y"} 2',
        '# HELP g a gauge',
        '# TYPE g gauge',
        'g 1.5',
        '# HELP h a histogram',
        '# TYPE h histogram',
        'h_bucket{p="/x",le="0.1"} 1',
        'h_bucket{p="/x",le="1"} 2',
        'h_bucket{p="/x",le="+Inf"} 3',
        'h_sum{p="/x"} 5.55',
        'h_count{p="/x"} 3',
        '',
      ].join('\n'),
    );
    expect(() => r.gauge('g', 'again')).toThrow(/already registered/);
  });
});

describe('GET /metrics', () => {
  it('exposes the request histogram by route and status, and the snapshot figures', async () => {
    const { app } = makeApp();
    await post(app, '/api/authorize', {
      actor_type: 'User',
      actor_id: 'a',
      action: 'r',
      resource_type: 'Org',
      resource_id: 'x',
    });
    await post(app, '/api/authorize?', '{');
    await app.request('/no/such/path/1');
    await app.request('/no/such/path/2');
    const res = await app.request('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE oso_fallback_http_requests histogram$/m);
    expect(text).toMatch(
      /^oso_fallback_http_requests_bucket\{path="\/api\/authorize",status_code="200",le="0\.005"\} [01]$/m,
    );
    expect(text).toMatch(
      /^oso_fallback_http_requests_bucket\{path="\/api\/authorize",status_code="200",le="10"\} 1$/m,
    );
    expect(text).toMatch(
      /^oso_fallback_http_requests_count\{path="\/api\/authorize",status_code="400"\} 1$/m,
    );
    // Unknown paths share one label value, so cardinality stays bounded.
    expect(text).toMatch(/^oso_fallback_http_requests_count\{path="unmatched",status_code="404"\} 2$/m);
    expect(text).toMatch(/^oso_fallback_snapshot_age_ms 5000$/m);
    expect(text).toMatch(
      /^oso_fallback_snapshot_info\{id="20261125T190000000Z-abcdef",format_version="1",source="test:roles"\} 1$/m,
    );
    expect(text).toMatch(/^oso_fallback_snapshot_facts 3$/m);
    expect(text).toMatch(/^oso_fallback_snapshot_load_duration_seconds 0\.042$/m);
    expect(text).toMatch(/^oso_fallback_snapshot_refresh_failures_total 2$/m);
    expect(text).toMatch(/^oso_fallback_ready 1$/m);
  });

  it('reports not ready and no age before a snapshot is loaded', async () => {
    const text = await (await makeApp({ snapshot: null }).app.request('/metrics')).text();
    expect(text).toMatch(/^oso_fallback_ready 0$/m);
    expect(text).not.toMatch(/^oso_fallback_snapshot_age_ms /m);
  });

  it('reports process memory and counts open databases, so a swap that leaks one shows', async () => {
    const { app } = makeApp();
    const scrape = async () => (await app.request('/metrics')).text();
    const value = (text: string, name: string) => {
      const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
      expect(m, name).not.toBeNull();
      return Number(m![1]);
    };
    const before = await scrape();
    expect(value(before, 'process_resident_memory_bytes')).toBeGreaterThan(1 << 20);
    expect(value(before, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(1 << 20);
    expect(value(before, 'nodejs_external_memory_bytes')).toBeGreaterThan(0);
    const open = value(before, 'oso_fallback_open_databases');
    expect(open).toBeGreaterThanOrEqual(1);
    const extra = rolesEngine();
    expect(value(await scrape(), 'oso_fallback_open_databases')).toBe(open + 1);
    extra.close();
    extra.close();
    expect(value(await scrape(), 'oso_fallback_open_databases')).toBe(open);
  });
});
