import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** How the snapshot bucket encrypts objects at rest. */
export type BucketEncryptionMode = 's3' | 'kms';

/** Options of {@link SnapshotBucket}. */
export interface SnapshotBucketProps {
  /**
   * Key prefix the snapshots live under (no leading or trailing slash).
   * @default 'fallback'
   */
  readonly prefix?: string;
  /**
   * `s3` (SSE-S3, no key to manage) or `kms` (a customer-managed key with rotation, created here).
   * @default 's3'
   */
  readonly encryption?: BucketEncryptionMode;
  /**
   * Days a replaced or deleted object version is kept before S3 removes it for good.
   * @default 7
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days after which S3 itself expires current objects under `<prefix>/snapshots/`. Off by default: the
   * sync job prunes old snapshots itself, and it keeps an unchanged snapshot without rewriting it, so an
   * age-based expiry could delete the one snapshot in use. Set it only longer than any quiet period.
   * @default - no age-based expiry of current objects
   */
  readonly snapshotExpirationDays?: number;
  /**
   * `retain` keeps the bucket (and its data) when the stack is deleted; `destroy` deletes it, which
   * CloudFormation can only do when it is empty.
   * @default 'retain'
   */
  readonly removalPolicy?: 'retain' | 'destroy';
  /**
   * Bucket receiving S3 server access logs; when absent, access logging is off (acknowledged for cdk-nag).
   * @default - no server access logs
   */
  readonly accessLogsBucket?: IBucket;
}

/** The versioned, private, TLS-only bucket that holds published snapshots and the `latest.json` pointer. */
export class SnapshotBucket extends Construct {
  /** The bucket. */
  readonly bucket: Bucket;
  /** The key prefix, e.g. `fallback`. */
  readonly prefix: string;
  /** The customer-managed key, when `encryption` is `kms`. */
  readonly key?: Key;

  constructor(scope: Construct, id: string, props: SnapshotBucketProps = {}) {
    super(scope, id);
    this.prefix = validatePrefix(props.prefix ?? 'fallback');
    const noncurrentDays = positiveInteger('noncurrentVersionDays', props.noncurrentVersionDays ?? 7);
    const expirationDays =
      props.snapshotExpirationDays === undefined
        ? undefined
        : positiveInteger('snapshotExpirationDays', props.snapshotExpirationDays);
    const removal = props.removalPolicy ?? 'retain';
    const removalPolicy = removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    if (props.encryption === 'kms') {
      this.key = new Key(this, 'Key', {
        description: 'Encrypts oso-fallback snapshots',
        enableKeyRotation: true,
        removalPolicy,
      });
    }
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: this.key ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      // An S3 Bucket Key cuts KMS requests (and cost) for the frequent pointer reads.
      bucketKeyEnabled: this.key !== undefined,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? 's3-access/' : undefined,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        ...(expirationDays === undefined
          ? []
          : [
              {
                id: 'expire-old-snapshots',
                prefix: `${this.prefix}/snapshots/`,
                expiration: Duration.days(expirationDays),
              },
            ]),
      ],
    });
    if (!props.accessLogsBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'server access logs are opt-in (context accessLogs=true): the bucket holds derived snapshots only, and CloudTrail data events cover audit needs',
      });
    }
  }

  /** The object ARN pattern covering every key under the prefix. */
  objectsArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}/*`);
  }

  /** Lets `role` read objects under the prefix (and list it, so a missing key is a 404, not a 403). */
  grantReadPrefix(role: IRole): void {
    this.grantPrefix(role, 'ReadSnapshotPrefix', ['s3:GetObject']);
    this.key?.grant(role, 'kms:Decrypt');
  }

  /** Lets `role` read, write and delete objects under the prefix, and list it. */
  grantWritePrefix(role: IRole): void {
    this.grantPrefix(role, 'WriteSnapshotPrefix', [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
      's3:AbortMultipartUpload',
    ]);
    // Exactly what SSE-KMS needs for get and (multipart) put: no kms:ReEncrypt*, no GenerateDataKey*.
    this.key?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  private grantPrefix(role: IRole, sid: string, actions: string[]): void {
    role.addToPrincipalPolicy(new PolicyStatement({ sid, actions, resources: [this.objectsArn()] }));
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ListSnapshotPrefix',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [this.prefix, `${this.prefix}/*`] } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${this.prefix}/*]`,
      reason: 'snapshot object keys are generated per snapshot; the grant is limited to the snapshot prefix',
    });
  }

  /** The bucket's logical id, as cdk-nag prints it in IAM findings. */
  private bucketLogicalId(): string {
    const stack = Stack.of(this);
    return stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)) as string;
  }
}

function validatePrefix(prefix: string): string {
  if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(prefix)) {
    throw new Error(
      `invalid snapshot prefix "${prefix}": use letters, digits and "/" without leading or trailing "/"`,
    );
  }
  return prefix;
}

/** Throws unless `value` is a whole number of at least 1. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number of at least 1, got ${value}`);
  }
  return value;
}
