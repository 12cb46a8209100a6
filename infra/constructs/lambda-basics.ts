import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Options of {@link LambdaBasics}. */
export interface LambdaBasicsProps {
  /** What the role is for, shown in the IAM console. */
  readonly description: string;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A function's own log group (explicit retention, no log-retention custom resource) and an execution role
 * that may write to that log group only: no AWS managed policy, no `logs:*` on every group.
 */
export class LambdaBasics extends Construct {
  /** The execution role; callers add exactly the data permissions they need. */
  readonly role: Role;
  /** The log group the function writes to. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LambdaBasicsProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
  }
}
