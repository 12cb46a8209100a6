// The bench's PNG: authorize p50 and memory per fact against data-set size, for us and the peers.
import { PALETTE, plotPanels, type Series } from './plot.ts';
import { bytesPerFact, ourDeltaMiB, peerDeltaMiB } from './report.ts';
import type { BenchResults } from './results.ts';

const NAMES: Record<string, string> = {
  ours: 'ours (sql.js)',
  jsmap: 'JS Map floor',
  casbin: 'casbin',
  cedar: 'cedar-wasm',
  oso: 'oso 0.27',
};

/** Renders latency and memory panels from bench results. */
export function plotResults(res: BenchResults): Buffer {
  const keys = ['ours', 'jsmap', 'casbin', 'cedar', 'oso'];
  const latency: Series[] = [];
  const memory: Series[] = [];
  keys.forEach((k, i) => {
    const lat: [number, number | null][] = [];
    const mem: [number, number | null][] = [];
    for (const r of res.sizes) {
      if (k === 'ours') {
        const d = ourDeltaMiB(r);
        lat.push([r.facts, r.engine?.authorizePeerSubset.p50 ?? null]);
        mem.push([r.facts, d === null || !r.engine ? null : bytesPerFact(d, r.engine.facts)]);
        continue;
      }
      const p = r.peers[k];
      if (p === undefined || 'error' in p || !p.agreed) {
        lat.push([r.facts, null]);
        mem.push([r.facts, null]);
        continue;
      }
      const d = peerDeltaMiB(r, p);
      lat.push([r.facts, p.authorize?.p50 ?? null]);
      mem.push([r.facts, d === null || d <= 0 ? null : bytesPerFact(d, p.facts)]);
    }
    latency.push({ name: NAMES[k]!, color: PALETTE[i]!, points: lat });
    memory.push({ name: NAMES[k]!, color: PALETTE[i]!, points: mem });
  });
  return plotPanels([
    {
      title: 'AUTHORIZE P50 (µS)',
      xLabel: 'FACTS IN DATA SET',
      yLabel: 'µS PER CHECK (LOG)',
      series: latency,
    },
    {
      title: 'MEMORY PER FACT HELD',
      xLabel: 'FACTS IN DATA SET',
      yLabel: 'BYTES OF RSS PER FACT (LOG)',
      series: memory,
    },
  ]);
}
