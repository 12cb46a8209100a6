import { join } from 'node:path';
import { Duration, type RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { type IRule, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
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

/** Options of {@link SyncFunction}. */
export interface SyncFunctionProps {
  /** Where snapshots are published. */
  readonly snapshots: SnapshotBucket;
  /** Upstream to copy rules and facts from, e.g. `oso:https://api.osohq.com` (FALLBACK_SOURCE). */
  readonly source: string;
  /** The secret holding the Oso API key; the function reads it at run time, it never enters the template. */
  readonly apiKeySecret?: ISecret;
  /**
   * When the sync runs.
   * @default Schedule.rate(Duration.minutes(1))
   */
  readonly schedule?: Schedule;
  /**
   * Memory in MB; 1 GB holds a 1M-fact snapshot during export (bench/, toolchain.md).
   * @default 1024
   */
  readonly memoryMb?: number;
  /**
   * Longest a sync may run.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /** Extra environment (e.g. POWERTOOLS_* names); never put secrets here. */
  readonly environment?: Record<string, string>;
  /** How long logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group on stack deletion. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The scheduled job that copies the upstream's rules and facts into a new snapshot. */
export class SyncFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** The schedule rule. */
  readonly rule: IRule;
  /** Receives sync invocations that failed or expired (encrypted, TLS-only). */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: SyncFunctionProps) {
    super(scope, id);
    const { snapshots } = props;
    const basics = new LambdaBasics(this, 'Basics', {
      description: 'oso-fallback sync: writes snapshots under the prefix, reads the Oso API key',
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.failures = new Queue(this, 'Failures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'this queue is itself the failure destination of the sync function; nothing consumes it',
    });
    const environment: Record<string, string> = {
      ...props.environment,
      FALLBACK_STORE: `s3://${snapshots.bucket.bucketName}/${snapshots.prefix}`,
      FALLBACK_SOURCE: props.source,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.apiKeySecret) environment.OSO_API_TOKEN_SECRET_ARN = secretIdOf(props.apiKeySecret);
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, ENTRY.sync),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memoryMb ?? SIZING.syncMemoryMb,
      timeout: props.timeout ?? SIZING.syncTimeout,
      // One sync at a time: two would race to move the pointer.
      reservedConcurrentExecutions: 1,
      role: basics.role,
      logGroup: basics.logGroup,
      environment,
      // The next scheduled run is the retry; an overlapping tick is dropped (to the queue) after a minute.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
      onFailure: new SqsDestination(this.failures),
      // Everything, the Secrets Manager client included, is bundled: what the tests run is what deploys.
      bundling: bundlingOptions(true),
    });
    snapshots.grantWritePrefix(basics.role);
    if (props.apiKeySecret) this.grantSecretRead(basics, props.apiKeySecret);
    this.rule = new Rule(this, 'Schedule', {
      description: 'Runs the oso-fallback sync',
      schedule: props.schedule ?? Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0, deadLetterQueue: this.failures })],
    });
  }

  private grantSecretRead(basics: LambdaBasics, secret: ISecret): void {
    // A secret imported by name or partial ARN has an unknown 6-character suffix; match exactly that.
    const complete = secret.secretFullArn !== undefined;
    basics.role.addToPolicy(
      new PolicyStatement({
        sid: 'ReadOsoApiKey',
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [complete ? secret.secretArn : `${secret.secretArn}-??????`],
      }),
    );
  }
}

/**
 * What GetSecretValue should be asked for: the complete ARN when known, the literal partial ARN when one was
 * given, else the name (a secret imported by name has no usable ARN: its suffix is unknown).
 */
function secretIdOf(secret: ISecret): string {
  if (secret.secretFullArn !== undefined) return secret.secretFullArn;
  return Token.isUnresolved(secret.secretArn) ? secret.secretName : secret.secretArn;
}
