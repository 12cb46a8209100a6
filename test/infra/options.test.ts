import { readFileSync } from 'node:fs';
import { Construct, Node } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, optionsFromContext } from '../../infra/options.ts';

/** A construct tree root carrying the given context, as `-c key=value` would. */
function nodeWith(context: Record<string, unknown>): Node {
  const root = new Construct(undefined as never, '');
  for (const [k, v] of Object.entries(context)) root.node.setContext(k, v);
  return Node.of(root);
}

describe('optionsFromContext', () => {
  it('returns nothing for an empty context (every default applies)', () => {
    expect(optionsFromContext(nodeWith({}))).toEqual({});
  });

  it('parses -c strings into numbers, booleans, choices and lists', () => {
    const options = optionsFromContext(
      nodeWith({
        servingMode: 'fargate',
        internetFacing: 'true',
        accessLogs: 'false',
        syncMemoryMb: '2048',
        snapshotAgeAlarmMinutes: '10',
        ingressCidrs: '10.0.0.0/8, 192.168.0.0/16',
        syncSchedule: 'rate(5 minutes)',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      }),
    );
    expect(options).toEqual({
      servingMode: 'fargate',
      internetFacing: true,
      accessLogs: false,
      syncMemoryMb: 2048,
      snapshotAgeAlarmMinutes: 10,
      ingressCidrs: ['10.0.0.0/8', '192.168.0.0/16'],
      syncSchedule: 'rate(5 minutes)',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
    });
  });

  it('accepts JSON values from cdk.json as they are', () => {
    expect(
      optionsFromContext(nodeWith({ internetFacing: false, desiredCount: 3, ingressCidrs: ['10.0.0.0/8'] })),
    ).toEqual({
      internetFacing: false,
      desiredCount: 3,
      ingressCidrs: ['10.0.0.0/8'],
    });
  });

  it('builds an imported VPC from vpcId and its attributes', () => {
    const options = optionsFromContext(
      nodeWith({
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.20.0.0/16',
        availabilityZones: 'eu-west-1a,eu-west-1b',
        privateSubnetIds: 'subnet-1,subnet-2',
      }),
    );
    expect(options.importVpc).toEqual({
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '10.20.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      publicSubnetIds: undefined,
      privateSubnetIds: ['subnet-1', 'subnet-2'],
      isolatedSubnetIds: undefined,
    });
  });

  it('rejects values of the wrong shape, naming the key and showing the value', () => {
    expect(() => optionsFromContext(nodeWith({ syncMemoryMb: 'lots' }))).toThrow(
      'context syncMemoryMb must be a number, got "lots"',
    );
    expect(() => optionsFromContext(nodeWith({ internetFacing: 'yes' }))).toThrow(
      'context internetFacing must be true or false, got "yes"',
    );
    expect(() => optionsFromContext(nodeWith({ servingMode: 'ec2' }))).toThrow(
      'context servingMode must be one of lambda, fargate, got "ec2"',
    );
    expect(() => optionsFromContext(nodeWith({ snapshotEncoding: 'zstd' }))).toThrow(
      'context snapshotEncoding must be one of gzip, none, got "zstd"',
    );
  });

  it('knows every context key cdk.json sets (no silently ignored setting)', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
      app: string;
      context: Record<string, unknown>;
    };
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    const appOnly = ['stackName', 'nag'];
    for (const key of Object.keys(cdkJson.context)) {
      if (key.startsWith('@aws-cdk/') || appOnly.includes(key)) continue;
      expect(CONTEXT_KEYS, key).toContain(key);
    }
  });
});
