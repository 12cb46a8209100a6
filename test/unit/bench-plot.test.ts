import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Canvas, crc32, encodePng, PNG_SIGNATURE, plotPanels } from '../../bench/lib/plot.ts';

interface Chunk {
  type: string;
  data: Buffer;
  crc: number;
}

function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    out.push({
      type: png.toString('latin1', at + 4, at + 8),
      data: png.subarray(at + 8, at + 8 + len),
      crc: png.readUInt32BE(at + 8 + len),
    });
    at += 12 + len;
  }
  return out;
}

describe('bench PNG encoder', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('writes signature, IHDR with the dimensions, valid chunk CRCs and rows that inflate to the pixels', () => {
    const cv = new Canvas(7, 3, [10, 20, 30]);
    cv.set(6, 2, [255, 0, 1]);
    const png = cv.toPng();
    expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const c of cs) {
      expect(c.crc).toBe(crc32(Buffer.concat([Buffer.from(c.type, 'latin1'), c.data])));
    }
    const ihdr = cs[0]!.data;
    expect(ihdr.readUInt32BE(0)).toBe(7);
    expect(ihdr.readUInt32BE(4)).toBe(3);
    expect([...ihdr.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    const raw = inflateSync(cs[1]!.data);
    expect(raw.length).toBe(3 * (1 + 7 * 3));
    expect(raw[0]).toBe(0);
    expect([...raw.subarray(1, 4)]).toEqual([10, 20, 30]);
    expect([...raw.subarray(raw.length - 3)]).toEqual([255, 0, 1]);
  });

  it('refuses a pixel buffer of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow(/expected 12 bytes/);
  });

  it('plots panels into a PNG of panel width x count by height', () => {
    const png = plotPanels(
      [
        {
          title: 'T',
          xLabel: 'x',
          yLabel: 'y',
          series: [
            {
              name: 'a',
              color: [255, 0, 0],
              points: [
                [1e4, 5],
                [1e5, null],
                [1e6, 50],
              ],
            },
          ],
        },
      ],
      300,
      200,
    );
    const ihdr = chunks(png)[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([300, 200]);
    const pixels = inflateSync(chunks(png)[1]!.data);
    // the series colour appears somewhere (a point or a line was drawn)
    let red = 0;
    for (let i = 0; i + 2 < pixels.length; i++)
      if (pixels[i] === 255 && pixels[i + 1] === 0 && pixels[i + 2] === 0) red++;
    expect(red).toBeGreaterThan(0);
  });
});
