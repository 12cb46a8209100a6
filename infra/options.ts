import type { Node } from 'constructs';

/** An existing VPC, described by attributes so synth needs no AWS lookup (no credentials). */
export interface ImportedVpc {
  readonly vpcId: string;
  /** Needed for the internal load balancer's ingress rule unless `ingressCidrs` is set. */
  readonly vpcCidrBlock?: string;
  readonly availabilityZones: string[];
  /** Needed when `internetFacing`, or for Fargate tasks without NAT. */
  readonly publicSubnetIds?: string[];
  /** Private subnets with a route to a NAT gateway. */
  readonly privateSubnetIds?: string[];
  /** Private subnets without egress (internal load balancer only). */
  readonly isolatedSubnetIds?: string[];
}

/**
 * Every option of the stack; each is also a CDK context key of the same name (`-c key=value` or
 * `cdk.json`), read by {@link optionsFromContext}.
 */
export interface FallbackOptions {
  /** `lambda` (ALB -> Lambda) or `fargate` (ALB -> ECS Fargate service from the Dockerfile). @default 'lambda' */
  readonly servingMode?: 'lambda' | 'fargate';
  /** Upstream the sync copies from (FALLBACK_SOURCE). @default 'oso:https://api.osohq.com' */
  readonly source?: string;
  /** Secrets Manager secret (name or ARN) holding the Oso API key. @default 'oso-fallback/oso-api-key' */
  readonly osoApiKeySecret?: string;
  /** EventBridge schedule expression of the sync. @default 'rate(1 minute)' */
  readonly syncSchedule?: string;
  /** @default 1024 */
  readonly syncMemoryMb?: number;
  /** @default 300 */
  readonly syncTimeoutSeconds?: number;
  /** @default 1024 */
  readonly serveMemoryMb?: number;
  /** @default 30 */
  readonly serveTimeoutSeconds?: number;
  /** Source maps in the serving function (readable traces; ~0.3 s slower cold start). @default false */
  readonly serveSourceMaps?: boolean;
  /** Provisioned concurrency of the serving function (Lambda mode). @default 0 (off) */
  readonly provisionedConcurrency?: number;
  /** FALLBACK_KEEP_SNAPSHOTS: how many snapshots the sync keeps. @default - the function's own default (10) */
  readonly keepSnapshots?: number;
  /**
   * FALLBACK_SNAPSHOT_ENCODING: how the sync stores snapshots; `none` lowers the serving node's peak memory
   * while it loads (10M facts: 695 instead of 831 MiB) for 3x the bytes in S3. @default 'gzip'
   */
  readonly snapshotEncoding?: 'gzip' | 'none';
  /** FALLBACK_REFRESH_SECONDS for the serving tier. @default - the function's own default */
  readonly refreshSeconds?: number;
  /** FALLBACK_MAX_STALENESS_SECONDS for the serving tier. @default - the function's own default */
  readonly maxStalenessSeconds?: number;
  /** FALLBACK_API_KEY_HASHES (comma-separated sha256 hex of accepted keys). @default - no key check */
  readonly apiKeyHashes?: string;
  /** Key prefix of the snapshots in the bucket. @default 'fallback' */
  readonly snapshotPrefix?: string;
  /** `s3` (SSE-S3) or `kms` (a customer-managed key). @default 's3' */
  readonly bucketEncryption?: 's3' | 'kms';
  /** Days a noncurrent object version is kept. @default 7 */
  readonly noncurrentVersionDays?: number;
  /** Days after which S3 expires current snapshot objects. @default - off (the sync prunes) */
  readonly snapshotExpirationDays?: number;
  /** `retain` or `destroy` for the bucket, key and log groups. @default 'retain' */
  readonly removalPolicy?: 'retain' | 'destroy';
  /** Log retention in days (a CloudWatch Logs retention value). @default 30 */
  readonly logRetentionDays?: number;
  /** Create a bucket for S3 server access logs and ALB access logs. @default false */
  readonly accessLogs?: boolean;
  /** Days access logs are kept. @default 90 */
  readonly accessLogsDays?: number;
  /** Existing VPC to use. @default - a new two-AZ VPC */
  readonly importVpc?: ImportedVpc;
  /** NAT gateways of a created VPC. @default 0 in Lambda mode, 1 in Fargate mode */
  readonly natGateways?: number;
  /** Put the ALB on the internet. @default false (internal) */
  readonly internetFacing?: boolean;
  /** ACM certificate ARN: HTTPS on 443. @default - plain HTTP on 80, with a synth warning */
  readonly certificateArn?: string;
  /** DNS name clients use (only changes the FallbackUrl output). @default - the ALB DNS name */
  readonly domainName?: string;
  /** CIDRs allowed to reach the ALB. @default - VPC CIDR (internal) or 0.0.0.0/0 (internet-facing) */
  readonly ingressCidrs?: string[];
  /** Fargate: tasks to run. @default 2 */
  readonly desiredCount?: number;
  /** Fargate: autoscaling floor. @default desiredCount */
  readonly minCapacity?: number;
  /** Fargate: autoscaling ceiling. @default max(10, minCapacity) */
  readonly maxCapacity?: number;
  /** Fargate: task CPU units. @default 1024 */
  readonly fargateCpu?: number;
  /** Fargate: task memory (MiB). @default 2048 */
  readonly fargateMemoryMiB?: number;
  /** Fargate: target average CPU %. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Fargate: target ALB requests per task per minute. @default 6000 */
  readonly requestsPerTarget?: number;
  /** POWERTOOLS_METRICS_NAMESPACE. @default 'OsoFallback' */
  readonly metricsNamespace?: string;
  /** POWERTOOLS_SERVICE_NAME of the serving tier. @default 'oso-fallback-serve' */
  readonly serveServiceName?: string;
  /** POWERTOOLS_SERVICE_NAME of the sync. @default 'oso-fallback-sync' */
  readonly syncServiceName?: string;
  /** Alarm when the served snapshot is older than this many minutes. @default 5 */
  readonly snapshotAgeAlarmMinutes?: number;
  /** Alarm when this many syncs fail within 10 minutes. @default 3 */
  readonly syncFailureThreshold?: number;
  /** Alarm when 5xx exceed this % of requests for 3 minutes. @default 5 */
  readonly serverErrorRatePercent?: number;
  /** SNS topic ARN that receives alarm and OK notifications. @default - none */
  readonly alarmTopicArn?: string;
}

const STRINGS = [
  'source',
  'osoApiKeySecret',
  'syncSchedule',
  'apiKeyHashes',
  'snapshotPrefix',
  'certificateArn',
  'domainName',
  'metricsNamespace',
  'serveServiceName',
  'syncServiceName',
  'alarmTopicArn',
] as const;
const NUMBERS = [
  'syncMemoryMb',
  'syncTimeoutSeconds',
  'serveMemoryMb',
  'serveTimeoutSeconds',
  'provisionedConcurrency',
  'keepSnapshots',
  'refreshSeconds',
  'maxStalenessSeconds',
  'noncurrentVersionDays',
  'snapshotExpirationDays',
  'logRetentionDays',
  'accessLogsDays',
  'natGateways',
  'desiredCount',
  'minCapacity',
  'maxCapacity',
  'fargateCpu',
  'fargateMemoryMiB',
  'cpuTargetPercent',
  'requestsPerTarget',
  'snapshotAgeAlarmMinutes',
  'syncFailureThreshold',
  'serverErrorRatePercent',
] as const;
const BOOLEANS = ['accessLogs', 'internetFacing', 'serveSourceMaps'] as const;
const CHOICES = {
  servingMode: ['lambda', 'fargate'],
  bucketEncryption: ['s3', 'kms'],
  removalPolicy: ['retain', 'destroy'],
  snapshotEncoding: ['gzip', 'none'],
} as const;

/** Context keys that describe an imported VPC (`vpcId` switches the import on). */
export const VPC_KEYS = [
  'vpcId',
  'vpcCidrBlock',
  'availabilityZones',
  'publicSubnetIds',
  'privateSubnetIds',
  'isolatedSubnetIds',
] as const;

/** Every context key the app reads. */
export const CONTEXT_KEYS: readonly string[] = [
  ...STRINGS,
  ...NUMBERS,
  ...BOOLEANS,
  ...Object.keys(CHOICES),
  'ingressCidrs',
  ...VPC_KEYS,
];

/**
 * Reads the options from CDK context. `-c` values arrive as strings, `cdk.json` values as JSON: both
 * are accepted; a value of the wrong shape throws with the key and the value.
 */
export function optionsFromContext(node: Node): FallbackOptions {
  const get = (key: string): unknown => {
    const v = node.tryGetContext(key);
    return v === '' || v === null ? undefined : v;
  };
  const out: Record<string, unknown> = {};
  for (const key of STRINGS) {
    const v = get(key);
    if (v !== undefined) out[key] = String(v);
  }
  for (const key of NUMBERS) {
    const v = get(key);
    if (v === undefined) continue;
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isFinite(n) || String(v).trim() === '')
      throw new Error(`context ${key} must be a number, got "${v}"`);
    out[key] = n;
  }
  for (const key of BOOLEANS) {
    const v = get(key);
    if (v === undefined) continue;
    if (v === true || v === 'true') out[key] = true;
    else if (v === false || v === 'false') out[key] = false;
    else throw new Error(`context ${key} must be true or false, got "${String(v)}"`);
  }
  for (const [key, allowed] of Object.entries(CHOICES)) {
    const v = get(key);
    if (v === undefined) continue;
    if (!(allowed as readonly unknown[]).includes(v)) {
      throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
    }
    out[key] = v;
  }
  const cidrs = list(get('ingressCidrs'));
  if (cidrs) out.ingressCidrs = cidrs;
  const vpcId = get('vpcId');
  if (vpcId !== undefined) {
    out.importVpc = {
      vpcId: String(vpcId),
      vpcCidrBlock: get('vpcCidrBlock') === undefined ? undefined : String(get('vpcCidrBlock')),
      availabilityZones: list(get('availabilityZones')) ?? [],
      publicSubnetIds: list(get('publicSubnetIds')),
      privateSubnetIds: list(get('privateSubnetIds')),
      isolatedSubnetIds: list(get('isolatedSubnetIds')),
    } satisfies ImportedVpc;
  }
  return out as FallbackOptions;
}

/** A JSON array or a comma-separated string. */
function list(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const items = Array.isArray(v) ? v.map(String) : String(v).split(',');
  const trimmed = items.map((s) => s.trim()).filter((s) => s.length > 0);
  return trimmed.length > 0 ? trimmed : undefined;
}
