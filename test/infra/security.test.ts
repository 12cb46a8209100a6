import { describe, expect, it } from 'vitest';
import type { FallbackStackProps } from '../../infra/fallback-stack.ts';
import {
  acknowledgements,
  actionsOf,
  CERTIFICATE_ARN,
  IMPORTED_VPC,
  nagFindings,
  type Statement,
  statementsOf,
  synth,
  TOPIC_ARN,
} from './support.ts';

/** The statements beyond the function's own log group (every Lambda role has exactly that logs grant). */
function dataStatements(statements: Statement[]): Statement[] {
  return statements.filter(
    (s) => !actionsOf(s).every((a) => a === 'logs:CreateLogStream' || a === 'logs:PutLogEvents'),
  );
}

const PREFIX_OBJECTS = {
  'Fn::Join': ['', [{ 'Fn::GetAtt': [expectLogicalId('SnapshotsBucket'), 'Arn'] }, '/fallback/*']],
};

function expectLogicalId(prefix: string) {
  return expect.stringMatching(new RegExp(`^${prefix}`));
}

describe('least privilege', () => {
  const { template } = synth();

  it('lets the serving function only read (and list) the snapshot prefix', () => {
    const statements = dataStatements(statementsOf(template, 'ServeBasicsRole'));
    expect(statements).toEqual([
      { Sid: 'ReadSnapshotPrefix', Effect: 'Allow', Action: 's3:GetObject', Resource: PREFIX_OBJECTS },
      {
        Sid: 'ListSnapshotPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expectLogicalId('SnapshotsBucket'), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['fallback', 'fallback/*'] } },
      },
    ]);
  });

  it('lets the sync write the prefix and read exactly the one secret', () => {
    const statements = dataStatements(statementsOf(template, 'SyncBasicsRole'));
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    expect(bySid.get('WriteSnapshotPrefix')).toEqual({
      Sid: 'WriteSnapshotPrefix',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: PREFIX_OBJECTS,
    });
    expect(bySid.get('ReadOsoApiKey')).toEqual({
      Sid: 'ReadOsoApiKey',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':secretsmanager:eu-west-1:123456789012:secret:oso-fallback/oso-api-key-??????',
          ],
        ],
      },
    });
    // The rest is the failure queue (Lambda destination).
    const others = statements.filter(
      (s) => !['WriteSnapshotPrefix', 'ReadOsoApiKey', 'ListSnapshotPrefix'].includes(s.Sid ?? ''),
    );
    expect(others.flatMap(actionsOf).sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });

  it('grants no wildcard action and no "*" resource to either function', () => {
    for (const role of ['ServeBasicsRole', 'SyncBasicsRole']) {
      for (const s of statementsOf(template, role)) {
        expect(
          actionsOf(s).some((a) => a.includes('*')),
          `${role} ${JSON.stringify(s)}`,
        ).toBe(false);
        expect(s.Resource, role).not.toBe('*');
      }
    }
  });

  it('reads a secret given by complete ARN without a wildcard', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/oso-key-AbC123';
    const statements = statementsOf(synth({ osoApiKeySecret: arn }).template, 'SyncBasicsRole');
    expect(statements.find((s) => s.Sid === 'ReadOsoApiKey')?.Resource).toBe(arn);
  });

  it('adds only Decrypt / GenerateDataKey on the bucket key with KMS encryption', () => {
    const { template: t } = synth({ bucketEncryption: 'kms' });
    const kms = (role: string) =>
      statementsOf(t, role)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('kms:'))
        .sort();
    expect(kms('ServeBasicsRole')).toEqual(['kms:Decrypt']);
    expect(kms('SyncBasicsRole')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('gives the Fargate task role the same read-only prefix access', () => {
    const { template: t } = synth({ servingMode: 'fargate' });
    const statements = statementsOf(t, 'ServeFargateTaskTaskRole');
    expect(statements.flatMap(actionsOf).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });
});

const COMBINATIONS: Record<string, FallbackStackProps> = {
  default: {},
  'internet-facing https kms access-logs alarms provisioned': {
    internetFacing: true,
    certificateArn: CERTIFICATE_ARN,
    bucketEncryption: 'kms',
    accessLogs: true,
    alarmTopicArn: TOPIC_ARN,
    provisionedConcurrency: 2,
    snapshotExpirationDays: 30,
  },
  fargate: { servingMode: 'fargate' },
  'fargate in an imported VPC with https': {
    servingMode: 'fargate',
    importVpc: IMPORTED_VPC,
    certificateArn: CERTIFICATE_ARN,
  },
  'fargate without NAT': { servingMode: 'fargate', natGateways: 0, internetFacing: true },
  'secret by complete ARN': {
    osoApiKeySecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/oso-key-AbC123',
  },
};

describe('cdk-nag AwsSolutions', () => {
  for (const [name, props] of Object.entries(COMBINATIONS)) {
    it(`has no unacknowledged finding: ${name}`, () => {
      const { app } = synth(props);
      expect(nagFindings(app)).toEqual([]);
    });
  }

  it('gives every acknowledgement a written reason', () => {
    for (const props of Object.values(COMBINATIONS)) {
      const { app } = synth(props);
      const acks = acknowledgements(app);
      expect(acks.length).toBeGreaterThan(0);
      for (const a of acks) {
        expect(a.id, a.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
        expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(30);
      }
    }
  });

  it('still finds problems (the checks are live): an unacknowledged wildcard is reported', async () => {
    const { PolicyStatement } = await import('aws-cdk-lib/aws-iam');
    const { app, stack } = synth();
    stack.sync.function.addToRolePolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(nagFindings(app).join('\n')).toContain('AwsSolutions-IAM5');
  });
});
