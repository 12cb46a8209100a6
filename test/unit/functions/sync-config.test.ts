import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../functions/config.ts';

describe('readConfig (sync settings)', () => {
  it('reads and freezes the sync settings with defaults', () => {
    const c = readConfig({
      FALLBACK_SOURCE: 'dir:/data',
      FALLBACK_STORE: 's3://b/p',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      OSO_API_TOKEN: 'k',
    });
    expect(c).toMatchObject({
      source: 'dir:/data',
      store: 's3://b/p',
      keepSnapshots: 10,
      snapshotEncoding: 'gzip',
      s3: { endpoint: 'http://127.0.0.1:9000' },
    });
    expect(c.oso.apiKey).toBe('k');
    expect(Object.isFrozen(c)).toBe(true);
    expect(readConfig({}).source).toBeUndefined();
    expect(readConfig({ FALLBACK_SNAPSHOT_ENCODING: 'none' }).snapshotEncoding).toBe('none');
  });

  it('names a bad variable and shows its value', () => {
    expect(() => readConfig({ FALLBACK_KEEP_SNAPSHOTS: '0' })).toThrow(
      /FALLBACK_KEEP_SNAPSHOTS must be a whole number >= 1, got "0"/,
    );
    expect(() => readConfig({ FALLBACK_SNAPSHOT_ENCODING: 'zstd' })).toThrow(
      /FALLBACK_SNAPSHOT_ENCODING must be gzip or none, got "zstd"/,
    );
  });
});
