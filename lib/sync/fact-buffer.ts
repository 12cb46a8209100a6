import type { Fact } from '../polar/index.ts';

/**
 * Facts held between reading and building, stored flat (predicate and type names shared, ids in one array)
 * instead of as 5 objects per fact: a million facts stay out of the old generation and GC stays cheap.
 * Iterating yields fresh short-lived `Fact` objects.
 */
export class FactBuffer implements Iterable<Fact> {
  private readonly names = new Map<string, string>();
  /** Per fact: predicate, arity, then type and id per argument. */
  private readonly cells: (string | number)[] = [];
  private count = 0;

  /** Returns the shared copy of a predicate or type name. */
  private shared(s: string): string {
    const hit = this.names.get(s);
    if (hit !== undefined) return hit;
    this.names.set(s, s);
    return s;
  }

  push(fact: Fact): void {
    this.cells.push(this.shared(fact.predicate), fact.args.length);
    for (const a of fact.args) this.cells.push(this.shared(a.type), a.id);
    this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** Drops every fact. */
  clear(): void {
    this.cells.length = 0;
    this.count = 0;
  }

  *[Symbol.iterator](): Iterator<Fact> {
    const c = this.cells;
    for (let i = 0; i < c.length; ) {
      const predicate = c[i] as string;
      const arity = c[i + 1] as number;
      i += 2;
      const args = new Array<{ type: string; id: string }>(arity);
      for (let k = 0; k < arity; k++, i += 2) args[k] = { type: c[i] as string, id: c[i + 1] as string };
      yield { predicate, args };
    }
  }
}
