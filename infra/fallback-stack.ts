import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, type IVpc, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FargateServing } from './constructs/fargate-serving.ts';
import { LambdaServing } from './constructs/lambda-serving.ts';
import { DEFAULT_NAMESPACE, DEFAULT_SERVE_SERVICE, DEFAULT_SYNC_SERVICE } from './constructs/metric-names.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { ServingAlb } from './constructs/serving-alb.ts';
import { positiveInteger, SnapshotBucket } from './constructs/snapshot-bucket.ts';
import { SyncFunction } from './constructs/sync-function.ts';
import type { FallbackOptions, ImportedVpc } from './options.ts';

/** Props of {@link FallbackStack}: the documented options (see options.ts) plus ordinary stack props. */
export interface FallbackStackProps extends StackProps, FallbackOptions {
  /** An existing VPC object (library use); wins over `importVpc`. @default - see `importVpc` */
  readonly vpc?: IVpc;
}

/** The whole fallback: snapshot bucket, scheduled sync, ALB-fronted serving tier, dashboard and alarms. */
export class FallbackStack extends Stack {
  /** The snapshot bucket and prefix. */
  readonly snapshots: SnapshotBucket;
  /** The scheduled sync. */
  readonly sync: SyncFunction;
  /** The load balancer and its listener. */
  readonly alb: ServingAlb;
  /** The serving tier, by `servingMode`. */
  readonly serving: LambdaServing | FargateServing;
  /** Dashboard and alarms. */
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: FallbackStackProps = {}) {
    super(scope, id, props);
    const mode = props.servingMode ?? 'lambda';
    if (mode !== 'lambda' && mode !== 'fargate') {
      throw new Error(`servingMode must be "lambda" or "fargate", got "${String(mode)}"`);
    }
    const removal = props.removalPolicy ?? 'retain';
    const removalPolicy = removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = retentionOf(props.logRetentionDays ?? 30);
    const logs = { logRetention, logRemovalPolicy: removalPolicy };
    const namespace = props.metricsNamespace ?? DEFAULT_NAMESPACE;
    const serveService = props.serveServiceName ?? DEFAULT_SERVE_SERVICE;
    const syncService = props.syncServiceName ?? DEFAULT_SYNC_SERVICE;

    if (props.accessLogs && Token.isUnresolved(this.region)) {
      throw new Error(
        'accessLogs needs a concrete region (ALB log delivery is granted per region): set AWS_REGION or pass env',
      );
    }
    const accessLogs = props.accessLogs
      ? new Bucket(this, 'AccessLogs', {
          blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
          // ALB access logs only support SSE-S3.
          encryption: BucketEncryption.S3_MANAGED,
          objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
          enforceSSL: true,
          removalPolicy,
          lifecycleRules: [{ expiration: Duration.days(props.accessLogsDays ?? 90) }],
        })
      : undefined;
    this.snapshots = new SnapshotBucket(this, 'Snapshots', {
      prefix: props.snapshotPrefix,
      encryption: props.bucketEncryption,
      noncurrentVersionDays: props.noncurrentVersionDays,
      snapshotExpirationDays: props.snapshotExpirationDays,
      removalPolicy: removal,
      accessLogsBucket: accessLogs,
    });
    const store = `s3://${this.snapshots.bucket.bucketName}/${this.snapshots.prefix}`;

    this.sync = new SyncFunction(this, 'Sync', {
      snapshots: this.snapshots,
      source: props.source ?? 'oso:https://api.osohq.com',
      apiKeySecret: importSecret(this, props.osoApiKeySecret ?? 'oso-fallback/oso-api-key'),
      schedule: Schedule.expression(props.syncSchedule ?? 'rate(1 minute)'),
      memoryMb: props.syncMemoryMb,
      timeout:
        props.syncTimeoutSeconds === undefined ? undefined : Duration.seconds(props.syncTimeoutSeconds),
      environment: {
        POWERTOOLS_SERVICE_NAME: syncService,
        POWERTOOLS_METRICS_NAMESPACE: namespace,
        ...(props.keepSnapshots === undefined
          ? {}
          : { FALLBACK_KEEP_SNAPSHOTS: String(positiveInteger('keepSnapshots', props.keepSnapshots)) }),
        ...(props.snapshotEncoding === undefined
          ? {}
          : { FALLBACK_SNAPSHOT_ENCODING: props.snapshotEncoding }),
      },
      ...logs,
    });

    const vpc = props.vpc ?? this.network(props, mode);
    this.alb = new ServingAlb(this, 'Alb', {
      vpc,
      internetFacing: props.internetFacing,
      certificateArn: props.certificateArn,
      ingressCidrs: props.ingressCidrs,
      accessLogsBucket: accessLogs,
    });
    const environment: Record<string, string> = {
      FALLBACK_STORE: store,
      POWERTOOLS_SERVICE_NAME: serveService,
      POWERTOOLS_METRICS_NAMESPACE: namespace,
    };
    if (props.refreshSeconds !== undefined)
      environment.FALLBACK_REFRESH_SECONDS = String(props.refreshSeconds);
    if (props.maxStalenessSeconds !== undefined) {
      environment.FALLBACK_MAX_STALENESS_SECONDS = String(props.maxStalenessSeconds);
    }
    if (props.apiKeyHashes) environment.FALLBACK_API_KEY_HASHES = props.apiKeyHashes;
    const serving = { snapshots: this.snapshots, listener: this.alb.listener, environment, ...logs };
    this.serving =
      mode === 'lambda'
        ? new LambdaServing(this, 'Serve', {
            ...serving,
            memoryMb: props.serveMemoryMb,
            timeout:
              props.serveTimeoutSeconds === undefined
                ? undefined
                : Duration.seconds(props.serveTimeoutSeconds),
            provisionedConcurrency: props.provisionedConcurrency,
            sourceMaps: props.serveSourceMaps,
          })
        : new FargateServing(this, 'ServeFargate', {
            ...serving,
            vpc,
            desiredCount: props.desiredCount,
            minCapacity: props.minCapacity,
            maxCapacity: props.maxCapacity,
            cpu: props.fargateCpu,
            memoryMiB: props.fargateMemoryMiB,
            cpuTargetPercent: props.cpuTargetPercent,
            requestsPerTarget: props.requestsPerTarget,
          });

    const ageMinutes = props.snapshotAgeAlarmMinutes ?? 5;
    const intervalMinutes = rateMinutes(props.syncSchedule ?? 'rate(1 minute)');
    if (!(Number.isInteger(ageMinutes) && ageMinutes >= 1 && ageMinutes <= 1440)) {
      throw new Error(`snapshotAgeAlarmMinutes must be a whole number from 1 to 1440, got ${ageMinutes}`);
    }
    if (intervalMinutes !== undefined && ageMinutes <= intervalMinutes) {
      throw new Error(
        `snapshotAgeAlarmMinutes (${ageMinutes}) must be longer than the sync interval (${props.syncSchedule}), or every quiet period alarms`,
      );
    }
    this.monitoring = new Monitoring(this, 'Monitoring', {
      namespace,
      serveService,
      syncService,
      alb: this.alb.alb,
      targetGroup: this.serving.targetGroup,
      syncFunction: this.sync.function,
      serveFunction: this.serving instanceof LambdaServing ? this.serving.function : undefined,
      snapshotAgeThreshold: Duration.minutes(ageMinutes),
      syncFailureThreshold: props.syncFailureThreshold,
      serverErrorRatePercent: props.serverErrorRatePercent,
      alarmTopic: props.alarmTopicArn
        ? Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
        : undefined,
    });

    new CfnOutput(this, 'FallbackUrl', {
      description: 'Pass as fallbackUrl to the Oso client',
      value: this.alb.url(props.domainName),
    });
    new CfnOutput(this, 'BucketName', {
      description: 'Snapshot bucket (snapshots under the prefix)',
      value: this.snapshots.bucket.bucketName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard',
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'SyncFailureQueueUrl', {
      description: 'Failed or dropped sync invocations',
      value: this.sync.failures.queueUrl,
    });
  }

  /** Imports the VPC named by `importVpc`, or creates a two-AZ VPC with flow logs. */
  private network(props: FallbackOptions, mode: 'lambda' | 'fargate'): IVpc {
    if (props.importVpc) {
      if (
        props.importVpc.vpcCidrBlock === undefined &&
        props.ingressCidrs === undefined &&
        !props.internetFacing
      ) {
        throw new Error(
          `importVpc ${props.importVpc.vpcId} needs vpcCidrBlock (the internal load balancer admits the VPC) or ingressCidrs`,
        );
      }
      return importVpc(this, props.importVpc);
    }
    // Lambda mode needs no NAT (functions run outside the VPC); Fargate tasks use one to pull and read S3.
    const natGateways = props.natGateways ?? (mode === 'fargate' ? 1 : 0);
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        {
          name: 'private',
          subnetType: natGateways > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED,
          cidrMask: 22,
        },
      ],
    });
    const flowLogs = new LogGroup(this, 'VpcFlowLogs', {
      retention: retentionOf(props.logRetentionDays ?? 30),
      removalPolicy: props.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}

function importVpc(scope: Construct, v: ImportedVpc): IVpc {
  if (v.availabilityZones.length === 0) throw new Error(`importVpc ${v.vpcId} needs availabilityZones`);
  return Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: v.vpcId,
    vpcCidrBlock: v.vpcCidrBlock,
    availabilityZones: v.availabilityZones,
    publicSubnetIds: v.publicSubnetIds,
    privateSubnetIds: v.privateSubnetIds,
    isolatedSubnetIds: v.isolatedSubnetIds,
  });
}

/** An existing secret by name, partial ARN or complete ARN (with its 6-character suffix). */
function importSecret(scope: Construct, nameOrArn: string): ISecret {
  if (!nameOrArn.startsWith('arn:')) return Secret.fromSecretNameV2(scope, 'OsoApiKey', nameOrArn);
  return /:secret:.+-[A-Za-z0-9]{6}$/.test(nameOrArn)
    ? Secret.fromSecretCompleteArn(scope, 'OsoApiKey', nameOrArn)
    : Secret.fromSecretPartialArn(scope, 'OsoApiKey', nameOrArn);
}

/** Minutes between runs of a `rate(...)` schedule; undefined for cron expressions. */
function rateMinutes(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (m === null) return undefined;
  const unit = m[2]!.startsWith('minute') ? 1 : m[2]!.startsWith('hour') ? 60 : 1440;
  return Number(m[1]) * unit;
}

function retentionOf(days: number): RetentionDays {
  positiveInteger('logRetentionDays', days);
  const valid = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!valid.includes(days)) {
    throw new Error(`logRetentionDays must be one of ${valid.join(', ')}, got ${days}`);
  }
  return days as RetentionDays;
}
