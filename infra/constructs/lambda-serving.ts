import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ApplicationListener, ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LambdaTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  bundlingOptions,
  ENTRY,
  LAMBDA_ARCHITECTURE,
  LAMBDA_RUNTIME,
  REPO_ROOT,
  SIZING,
} from './bundling.ts';
import { LambdaBasics } from './lambda-basics.ts';
import type { SnapshotBucket } from './snapshot-bucket.ts';

/** V8 flag of the serving function: semi-spaces of at most 4 MiB (BENCHMARKS.md: less RSS under load, same throughput). */
const SEMI_SPACE = '--max-semi-space-size=4';

/** Options of {@link LambdaServing}. */
export interface LambdaServingProps {
  /** Where the snapshots are read from (read-only, prefix only). */
  readonly snapshots: SnapshotBucket;
  /** The ALB listener to serve behind. */
  readonly listener: ApplicationListener;
  /** Environment for the function (FALLBACK_* and POWERTOOLS_* settings); never secrets. */
  readonly environment: Record<string, string>;
  /**
   * Memory in MB; also buys CPU, which loading a snapshot needs (bench/).
   * @default 1024
   */
  readonly memoryMb?: number;
  /**
   * Longest a request may take, including a cold start that loads the snapshot.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Provisioned concurrency on the `live` alias; 0 turns it off (cold starts load the snapshot).
   * @default 0
   */
  readonly provisionedConcurrency?: number;
  /**
   * Ship a source map and run with `--enable-source-maps` (readable stack traces, slower cold start).
   * @default false
   */
  readonly sourceMaps?: boolean;
  /** How long logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group on stack deletion. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The serving function behind the ALB (the default serving tier). */
export class LambdaServing extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** The `live` alias the ALB invokes (carries provisioned concurrency when set). */
  readonly alias: Alias;
  /** The Lambda target group. */
  readonly targetGroup: ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: LambdaServingProps) {
    super(scope, id);
    const provisioned = props.provisionedConcurrency ?? 0;
    const sourceMaps = props.sourceMaps ?? false;
    if (!Number.isInteger(provisioned) || provisioned < 0) {
      throw new Error(`provisionedConcurrency must be a whole number of at least 0, got ${provisioned}`);
    }
    const basics = new LambdaBasics(this, 'Basics', {
      description: 'oso-fallback serve: reads snapshots under the prefix',
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, ENTRY.serve),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memoryMb ?? SIZING.serveMemoryMb,
      timeout: props.timeout ?? SIZING.serveTimeout,
      role: basics.role,
      logGroup: basics.logGroup,
      // glibc maps blocks of 32 KiB or more on their own and unmaps them when freed, so what a load or a swap
      // frees goes back to the OS instead of staying in glibc's heaps (as in the Dockerfile, which says why).
      environment: {
        ...props.environment,
        MALLOC_MMAP_THRESHOLD_: '32768',
        // semi-spaces of at most 4 MiB, as in the Dockerfile (which says why)
        NODE_OPTIONS: sourceMaps ? `${SEMI_SPACE} --enable-source-maps` : SEMI_SPACE,
      },
      bundling: bundlingOptions(sourceMaps),
    });
    props.snapshots.grantReadPrefix(basics.role);
    this.alias = new Alias(this, 'Live', {
      aliasName: 'live',
      version: this.function.currentVersion,
      provisionedConcurrentExecutions: provisioned > 0 ? provisioned : undefined,
    });
    this.targetGroup = props.listener.addTargets('Lambda', {
      targets: [new LambdaTarget(this.alias)],
      healthCheck: {
        enabled: true,
        path: '/healthcheck',
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
  }
}
