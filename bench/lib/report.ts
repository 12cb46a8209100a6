// Markdown tables of one data-set size: every figure beside its target (from issues 2, 3, 4 and 7) with PASS/MISS.
import type { PeerResult, SizeResult } from './results.ts';

const us = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(v < 10 ? 2 : 1)} µs`);
const mib = (v: number) => `${v.toFixed(0)} MiB`;
const s = (v: number) => `${v.toFixed(2)} s`;
const verdict = (ok: boolean | null) => (ok === null ? '–' : ok ? 'PASS' : 'MISS');
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** Human label of a fact count: 10k, 1M, ... */
export function sizeLabel(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
}

/** Bytes of RSS per fact held, from a MiB delta. */
export const bytesPerFact = (deltaMiB: number, facts: number) => (deltaMiB * 2 ** 20) / facts;

/** Our memory figure for the peer comparison: RSS growth of the serving process from loading the snapshot. */
export const ourDeltaMiB = (r: SizeResult) => (r.engine ? r.engine.rssLoadMiB - r.engine.rssStartMiB : null);

/** A peer's memory: its RSS after building minus the null baseline's (generating the same facts, holding none). */
export function peerDeltaMiB(r: SizeResult, p: PeerResult): number | null {
  const base = r.peers.null;
  if (base === undefined || 'error' in base) return null;
  return Math.max(0, p.rssLoadMiB - base.rssLoadMiB);
}

/** The main table of one size: engine, snapshot, HTTP and cold start. */
export function sizeTable(r: SizeResult): string {
  const out: string[] = [];
  const at1M = r.facts >= 1_000_000 ? '' : ' (set for 1M)';
  out.push(row(['area', 'figure', 'value', 'target', 'result']));
  out.push(row(['---', '---', '---', '---', '---']));
  const e = r.engine;
  if (e) {
    const ratio = e.authorize.p50 / e.floor.p50;
    out.push(
      row([
        'engine',
        'integer point lookup (floor) p50 / p99',
        `${us(e.floor.p50)} / ${us(e.floor.p99)}`,
        '',
        '',
      ]),
    );
    out.push(
      row([
        'engine',
        `authorize p50 (${e.authorize.n.toLocaleString('en-US')} timed calls over ${e.checks.toLocaleString('en-US')} mixed checks)`,
        `${us(e.authorize.p50)} = ${ratio.toFixed(1)}x floor`,
        `<= 3x floor${at1M}`,
        verdict(ratio <= 3),
      ]),
    );
    out.push(
      row(['engine', 'authorize p99', us(e.authorize.p99), `< 50 µs${at1M}`, verdict(e.authorize.p99 < 50)]),
    );
    for (const [t, l] of Object.entries(e.authorizeByType))
      out.push(row(['engine', `authorize on ${t} p50 / p99`, `${us(l.p50)} / ${us(l.p99)}`, '', '']));
    const ar = e.actions.p50 / e.authorize.p50;
    out.push(
      row([
        'engine',
        'actions p50 / p99',
        `${us(e.actions.p50)} / ${us(e.actions.p99)} = ${ar.toFixed(1)}x authorize`,
        `p50 <= 2x authorize${at1M}`,
        verdict(ar <= 2),
      ]),
    );
    out.push(
      row([
        'engine',
        `list Repository (read) p50 / p99, mean ${e.listRepository.meanIds.toFixed(0)} ids`,
        `${us(e.listRepository.p50)} / ${us(e.listRepository.p99)}`,
        '',
        '',
      ]),
    );
    out.push(
      row([
        'engine',
        `list Issue (read, pages of 10,000) p50 / p99, mean ${e.listIssuePage.meanIds.toFixed(0)} ids`,
        `${us(e.listIssuePage.p50)} / ${us(e.listIssuePage.p99)}`,
        '',
        '',
      ]),
    );
    for (const [what, l] of [
      ['Repository', e.listRepository],
      ['Issue', e.listIssuePage],
    ] as const) {
      if (l.maxIds === undefined || l.maxIdsUs === undefined) continue;
      const full = l.maxIds >= 10_000;
      out.push(
        row([
          'engine',
          `list ${what}: the call with the most ids (${l.maxIds.toLocaleString('en-US')})${l.maxIdsFirstUs === undefined ? '' : ', median of 5'}`,
          us(l.maxIdsUs),
          full ? `10,000 ids < 10 ms${at1M}` : '',
          full ? verdict(l.maxIdsUs < 10_000) : '',
        ]),
      );
    }
    out.push(
      row([
        'engine',
        'evaluate_query (1 user x any action x 10 repos) p50 / p99',
        `${us(e.query.p50)} / ${us(e.query.p99)}`,
        '',
        '',
      ]),
    );
    out.push(
      row([
        'engine',
        `wrong answers among ${e.verified.toLocaleString('en-US')} checks verified (known by construction)`,
        String(e.wrongKnownAnswers),
        '0',
        verdict(e.wrongKnownAnswers === 0),
      ]),
    );
  }
  const b = r.build;
  if (b) {
    out.push(
      row([
        'snapshot',
        'sync dir: -> file: (read, check, build, publish)',
        s(b.syncSeconds),
        `< 30 s${at1M}`,
        verdict(b.syncSeconds < 30),
      ]),
    );
    out.push(
      row([
        'snapshot',
        `bytes stored (${b.encoding}) / raw SQLite`,
        `${(b.storedBytes / 2 ** 20).toFixed(1)} / ${(b.rawBytes / 2 ** 20).toFixed(1)} MiB`,
        '',
        '',
      ]),
    );
    out.push(row(['snapshot', 'upload to S3 (s3rver)', s(b.uploadSeconds), '', '']));
  }
  if (e) {
    const t = e.downloadSeconds + e.openSeconds;
    out.push(
      row([
        'snapshot',
        'load from file: (read + verify + open)',
        `${s(t)} (${s(e.downloadSeconds)} + ${s(e.openSeconds)})`,
        `< 2 s${at1M}`,
        verdict(t < 2),
      ]),
    );
  }
  if (r.s3Load) {
    const l = r.s3Load;
    const t = l.downloadSeconds + l.openSeconds;
    out.push(
      row([
        'snapshot',
        'load from s3: (download + verify + open)',
        `${s(t)} (${s(l.downloadSeconds)} + ${s(l.openSeconds)})`,
        `< 2 s${at1M}`,
        verdict(t < 2),
      ]),
    );
    out.push(
      row([
        'snapshot',
        'RSS of the loading process (tsx) before -> after load',
        `${mib(l.rssStartMiB)} -> ${mib(l.rssLoadMiB)}`,
        '',
        '',
      ]),
    );
  }
  const h = r.http;
  if (h) {
    out.push(row(['serve', 'bundled Node server: start to healthy', s(h.readySeconds), '', '']));
    out.push(
      row([
        'serve',
        'authorize over loopback, all check kinds: req/s, p50 / p99',
        `${h.authorize.reqPerSec.toFixed(0)} req/s, ${h.authorize.p50Ms} / ${h.authorize.p99Ms} ms (${h.authorize.failed} failed)`,
        `>= 8,000 req/s, p99 < 5 ms${at1M}`,
        verdict(h.authorize.reqPerSec >= 8000 && h.authorize.p99Ms < 5 && h.authorize.failed === 0),
      ]),
    );
    const hr = h.authorizeRepository;
    out.push(
      row([
        'serve',
        'authorize, Repository checks only: req/s, p50 / p99',
        `${hr.reqPerSec.toFixed(0)} req/s, ${hr.p50Ms} / ${hr.p99Ms} ms (${hr.failed} failed)`,
        `>= 8,000 req/s, p99 < 5 ms${at1M}`,
        verdict(hr.reqPerSec >= 8000 && hr.p99Ms < 5 && hr.failed === 0),
      ]),
    );
    out.push(
      row([
        'serve',
        'mix 80/10/10 authorize/list/actions: req/s, p50 / p99',
        `${h.mix.reqPerSec.toFixed(0)} req/s, ${h.mix.p50Ms} / ${h.mix.p99Ms} ms (${h.mix.failed} failed)`,
        '',
        '',
      ]),
    );
    out.push(
      row([
        'serve',
        h.rssFirstHealthyMiB === undefined
          ? 'server RSS after load (ready)'
          : 'server RSS after load (1 s after the first healthy answer / at it)',
        h.rssFirstHealthyMiB === undefined
          ? mib(h.rssReadyMiB)
          : `${mib(h.rssReadyMiB)} / ${mib(h.rssFirstHealthyMiB)}`,
        `< 128 MiB${at1M}`,
        verdict(h.rssReadyMiB < 128),
      ]),
    );
    out.push(
      row([
        'serve',
        'server RSS after the load tests (peak)',
        `${mib(h.rssAfterMiB)} (${mib(h.peakMiB)})`,
        `< 128 MiB${at1M}`,
        verdict(h.rssAfterMiB < 128),
      ]),
    );
  }
  if (r.cold) {
    const sorted = [...r.cold.seconds].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)]!;
    out.push(
      row([
        'cold start',
        `Lambda bundle, process start to first answer (median of ${sorted.length})`,
        `${s(med)} (min ${s(sorted[0]!)}, max ${s(sorted[sorted.length - 1]!)})`,
        '',
        '',
      ]),
    );
  }
  for (const err of r.errors) out.push(row(['error', err.replace(/\|/g, '/').slice(0, 200), '', '', 'MISS']));
  return out.join('\n');
}

const PEER_MODEL: Record<string, string> = {
  jsmap: 'hand-written JS Maps (floor)',
  casbin: 'casbin 5 RBAC with domains, "flat" (hierarchy in p lines, orgOf() function)',
  cedar: 'cedar-wasm 4.13 "tags" (2 entities sliced per request, preparsed policies)',
  oso: 'oso 0.27.3 resource blocks, host hasRole',
};

/** The peer table of one size: ratios against our engine on the same checks. */
export function peerTable(r: SizeResult): string {
  const e = r.engine;
  const b = r.build;
  const out: string[] = [];
  if (b) {
    out.push(
      `Peer checks: ${b.peerSample.kept.toLocaleString('en-US')} Repository checks (read/push/delete). ` +
        `n/a for every peer: Issue and Folder checks (${(b.peerSample.sampled - b.peerSample.repository).toLocaleString('en-US')} of ${b.peerSample.sampled.toLocaleString('en-US')} sampled; ` +
        `relations to repositories and folders nested 10 deep are outside the peer models) and ${b.peerSample.groupDependent.toLocaleString('en-US')} Repository checks on repositories where a group holds a role ` +
        '(cannot express nested groups).',
      '',
    );
  }
  out.push(
    row([
      'engine',
      'model',
      'agrees',
      'facts held',
      'build / load s',
      'RSS delta',
      'bytes/fact',
      'authorize p50 / p99',
      'p50 vs ours',
      'ahead on latency',
      'ahead on memory',
    ]),
  );
  out.push(row(Array.from({ length: 11 }, () => '---')));
  const ourDelta = ourDeltaMiB(r);
  const ourBpf = ourDelta === null || !e ? null : bytesPerFact(ourDelta, e.facts);
  if (e) {
    out.push(
      row([
        '**ours** (sql.js snapshot)',
        'the whole Polar policy compiled to SQL',
        `${e.verified.toLocaleString('en-US')} checks verified, ${e.wrongKnownAnswers} wrong`,
        e.facts.toLocaleString('en-US'),
        s(e.downloadSeconds + e.openSeconds),
        ourDelta === null ? '–' : mib(ourDelta),
        ourBpf === null ? '–' : ourBpf.toFixed(0),
        `${us(e.authorizePeerSubset.p50)} / ${us(e.authorizePeerSubset.p99)}`,
        '1.0x',
        '',
        '',
      ]),
    );
  }
  const gate = r.facts >= 100_000;
  for (const name of ['jsmap', 'casbin', 'cedar', 'oso']) {
    const p = r.peers[name];
    if (p === undefined) continue;
    if ('error' in p) {
      out.push(
        row([
          name,
          PEER_MODEL[name]!,
          `error: ${p.error.replace(/\|/g, '/').slice(0, 120)}`,
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
        ]),
      );
      continue;
    }
    if (!p.agreed) {
      const m = JSON.stringify(p.mismatches?.slice(0, 2) ?? []).replace(/\|/g, '/');
      out.push(
        row([
          name,
          PEER_MODEL[name]!,
          `NO: ${p.mismatchCount}/${p.compared} differ, not timed: ${m}`,
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
        ]),
      );
      continue;
    }
    const delta = peerDeltaMiB(r, p);
    const bpf = delta === null ? null : bytesPerFact(delta, p.facts);
    const ratio = e && p.authorize ? p.authorize.p50 / e.authorizePeerSubset.p50 : null;
    const floor = name === 'jsmap';
    out.push(
      row([
        name,
        PEER_MODEL[name]!,
        `yes (${p.compared})`,
        p.facts.toLocaleString('en-US'),
        s(p.buildSeconds),
        delta === null ? '–' : mib(delta),
        bpf === null ? '–' : bpf.toFixed(0),
        p.authorize ? `${us(p.authorize.p50)} / ${us(p.authorize.p99)}` : '–',
        ratio === null ? '–' : `${ratio.toFixed(ratio < 1 ? 2 : 1)}x`,
        floor || !gate || ratio === null ? '–' : verdict(ratio > 1),
        floor || !gate || bpf === null || ourBpf === null ? '–' : verdict(ourBpf < bpf),
      ]),
    );
  }
  return out.join('\n');
}

/** One row per size: our authorize p50 and memory per fact beside each peer's, as ratios (peer / ours). */
export function summaryTable(sizes: SizeResult[]): string {
  const peers = ['jsmap', 'casbin', 'cedar', 'oso'];
  const out = [
    row([
      'facts',
      'ours p50',
      ...peers.map((p) => `${p} p50 (x ours)`),
      'ours B/fact',
      ...peers.map((p) => `${p} B/fact (x ours)`),
    ]),
    row(Array.from({ length: 2 + 2 * peers.length + 1 }, () => '---')),
  ];
  for (const r of sizes) {
    const e = r.engine;
    if (!e) continue;
    const ourD = ourDeltaMiB(r);
    const ourB = ourD === null ? null : bytesPerFact(ourD, e.facts);
    const lat = peers.map((name) => {
      const p = r.peers[name];
      if (p === undefined) return 'not run';
      if ('error' in p) return 'error';
      if (!p.agreed || !p.authorize) return 'disagrees: not timed';
      const x = p.authorize.p50 / e.authorizePeerSubset.p50;
      return `${us(p.authorize.p50)} (${x.toFixed(x < 1 ? 2 : 1)}x)`;
    });
    const mem = peers.map((name) => {
      const p = r.peers[name];
      if (p === undefined || 'error' in p || !p.agreed) return '–';
      const d = peerDeltaMiB(r, p);
      if (d === null) return '–';
      const b = bytesPerFact(d, p.facts);
      return ourB === null || ourB === 0 ? b.toFixed(0) : `${b.toFixed(0)} (${(b / ourB).toFixed(1)}x)`;
    });
    out.push(
      row([
        r.facts.toLocaleString('en-US'),
        us(e.authorizePeerSubset.p50),
        ...lat,
        ourB === null ? '–' : ourB.toFixed(0),
        ...mem,
      ]),
    );
  }
  return out.join('\n');
}

/** The whole report of a run as Markdown: summary, then one section per size. */
export function reportMarkdown(sizes: SizeResult[]): string {
  const parts = [
    '### Authorize p50 and memory per fact held, ours against the peers (same Repository checks)\n',
    summaryTable(sizes),
    '',
  ];
  for (const r of sizes) {
    parts.push(
      `### ${sizeLabel(r.facts)} facts (load average ${r.loadAverage.start.join(' ')} -> ${r.loadAverage.end.join(' ')})\n`,
      sizeTable(r),
      `\n#### Peers at ${sizeLabel(r.facts)}\n`,
      peerTable(r),
      '',
    );
  }
  return parts.join('\n');
}
