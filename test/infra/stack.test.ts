import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synth, TOPIC_ARN } from './support.ts';

describe('snapshot bucket', () => {
  const { template } = synth();

  it('is private, encrypted, versioned and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    });
  });

  it('expires noncurrent versions and keeps current snapshots (the sync prunes)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            ExpiredObjectDeleteMarker: true,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ],
      },
    });
  });

  it('denies requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('can expire old snapshot objects, use KMS and be destroyed when asked', () => {
    const { template: t } = synth({
      snapshotExpirationDays: 30,
      bucketEncryption: 'kms',
      removalPolicy: 'destroy',
    });
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Id: 'expire-old-snapshots',
              Prefix: 'fallback/snapshots/',
              ExpirationInDays: 30,
            }),
          ]),
        },
      }),
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('logs server access to a separate bucket when accessLogs is on, and needs a region for it', () => {
    const { template: t } = synth({ accessLogs: true });
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') },
        LogFilePrefix: 's3-access/',
      },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
    expect(() => synth({ accessLogs: true, env: { account: undefined, region: undefined } })).toThrow(
      'accessLogs needs a concrete region',
    );
  });

  it('rejects a prefix with a leading slash, showing it', () => {
    expect(() => synth({ snapshotPrefix: '/fallback' })).toThrow('invalid snapshot prefix "/fallback"');
  });
});

describe('sync function', () => {
  const { template } = synth();

  it('runs Node 24 on arm64 with the benchmarked memory and timeout, one at a time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 300,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          FALLBACK_STORE: {
            'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^SnapshotsBucket') }, '/fallback']],
          },
          FALLBACK_SOURCE: 'oso:https://api.osohq.com',
          OSO_API_TOKEN_SECRET_ARN: 'oso-fallback/oso-api-key',
          POWERTOOLS_SERVICE_NAME: 'oso-fallback-sync',
          POWERTOOLS_METRICS_NAMESPACE: 'OsoFallback',
        }),
      },
    });
  });

  it('names the secret by complete ARN when given one', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/oso-key-AbC123';
    synth({ osoApiKeySecret: arn }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OSO_API_TOKEN_SECRET_ARN: arn }) },
    });
  });

  it('stores snapshots uncompressed when asked (FALLBACK_SNAPSHOT_ENCODING), gzip by default', () => {
    const vars = (t: typeof template) =>
      Object.values(t.findResources('AWS::Lambda::Function')).map(
        (fn) => (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
      );
    expect(vars(template).some((v) => 'FALLBACK_SNAPSHOT_ENCODING' in v)).toBe(false);
    synth({ snapshotEncoding: 'none' }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FALLBACK_SNAPSHOT_ENCODING: 'none',
          POWERTOOLS_SERVICE_NAME: 'oso-fallback-sync',
        }),
      },
    });
  });

  it('never puts the API key itself in the environment', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(fns)) {
      const vars = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(vars).not.toContain('OSO_API_TOKEN');
      expect(JSON.stringify(fn.Properties)).not.toMatch(/resolve:secretsmanager/);
    }
  });

  it('runs every minute by default, or on the configured schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: Match.anyValue() }),
      ],
    });
    synth({ syncSchedule: 'rate(5 minutes)', snapshotAgeAlarmMinutes: 15 }).template.hasResourceProperties(
      'AWS::Events::Rule',
      {
        ScheduleExpression: 'rate(5 minutes)',
      },
    );
  });

  it('sends failed invocations to an encrypted, TLS-only queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SyncFailures'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('takes memory and timeout from options', () => {
    synth({ syncMemoryMb: 2048, syncTimeoutSeconds: 600 }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      {
        ReservedConcurrentExecutions: 1,
        MemorySize: 2048,
        Timeout: 600,
      },
    );
  });

  it('keeps its logs for a month in its own log group', () => {
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 3);
  });
});

describe('alarms', () => {
  it('alarm on snapshot age over 5 minutes by default, and on the configured age', () => {
    synth().template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SnapshotAgeMs',
      Namespace: 'OsoFallback',
      Dimensions: [{ Name: 'service', Value: 'oso-fallback-serve' }],
      Threshold: 300_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    synth({ snapshotAgeAlarmMinutes: 15 }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SnapshotAgeMs',
      Threshold: 900_000,
    });
  });

  it('alarm when no sync succeeded for the snapshot-age window (missing data counts)', () => {
    synth({ snapshotAgeAlarmMinutes: 10 }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SyncSuccess',
      Dimensions: [{ Name: 'service', Value: 'oso-fallback-sync' }],
      Period: 600,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('reject an age threshold not longer than the sync interval, showing both', () => {
    expect(() => synth({ syncSchedule: 'rate(10 minutes)', snapshotAgeAlarmMinutes: 5 })).toThrow(
      'snapshotAgeAlarmMinutes (5) must be longer than the sync interval (rate(10 minutes))',
    );
  });

  it('alarm on sync failures, 5xx rate and unhealthy hosts', () => {
    const { template } = synth({ syncFailureThreshold: 2, serverErrorRatePercent: 10 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failures, 0) + FILL(errors, 0)' }),
        Match.objectLike({
          Id: 'failures',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'SyncFailure' }) }),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 10,
      EvaluationPeriods: 3,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests' }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnHealthyHostCount',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('notify no one by default, and the SNS topic when given', () => {
    const none = synth().template.findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(none)) expect(alarm.Properties.AlarmActions).toBeUndefined();
    const withTopic = synth({ alarmTopicArn: TOPIC_ARN }).template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(withTopic)).toHaveLength(5);
    for (const alarm of Object.values(withTopic)) {
      expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
      expect(alarm.Properties.OKActions).toEqual([TOPIC_ARN]);
    }
  });

  it('reject a 5xx percentage outside (0, 100], showing it', () => {
    expect(() => synth({ serverErrorRatePercent: 0 })).toThrow(
      'serverErrorRatePercent must be in (0, 100], got 0',
    );
  });
});

describe('dashboard and outputs', () => {
  const { template } = synth();

  it('graph every metric the issue lists', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    for (const needle of [
      'Requests by path and status',
      'MetricName=\\\\\\"Requests\\\\\\"',
      'Latency',
      'p50',
      'p90',
      'p99',
      'HTTPCode_Target_4XX_Count',
      'HTTPCode_Target_5XX_Count',
      'SnapshotAgeMs',
      'FactCount',
      'SyncDuration',
      'SyncPublished',
      'SyncSuccess',
      'SyncFailure',
      'SyncFacts',
      'Errors',
      'Throttles',
      'ColdStart',
      'HealthyHostCount',
    ]) {
      expect(body, needle).toContain(needle);
    }
  });

  it('output the fallback URL, the bucket name and the dashboard URL', () => {
    template.hasOutput('FallbackUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['http://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlbLoadBalancer'), 'DNSName'] }],
        ],
      },
    });
    template.hasOutput('BucketName', { Value: { Ref: Match.stringLikeRegexp('^SnapshotsBucket') } });
    template.hasOutput('DashboardUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('#dashboards:name=$')])] },
    });
  });
});
