import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import type { ApplicationListener, ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENTRY, REPO_ROOT } from './bundling.ts';
import { privateSubnetType } from './serving-alb.ts';
import type { SnapshotBucket } from './snapshot-bucket.ts';

/** Port functions/server.ts listens on in the container. */
export const CONTAINER_PORT = 8080;

/** Paths never sent to the Docker build context (keeps synth fast and the image small). */
const DOCKER_EXCLUDE = ['node_modules', 'cdk.out', '.git', 'dist', '.data', 'bench/results', '*.log', 'test'];

/** Options of {@link FargateServing}. */
export interface FargateServingProps {
  /** The VPC the tasks run in (private subnets with NAT, else public subnets with public IPs). */
  readonly vpc: IVpc;
  /** Where the snapshots are read from (read-only, prefix only). */
  readonly snapshots: SnapshotBucket;
  /** The ALB listener to serve behind. */
  readonly listener: ApplicationListener;
  /** Environment for the container (FALLBACK_* and POWERTOOLS_* settings); never secrets. */
  readonly environment: Record<string, string>;
  /** Tasks to run. @default 2 */
  readonly desiredCount?: number;
  /** Autoscaling floor. @default desiredCount */
  readonly minCapacity?: number;
  /** Autoscaling ceiling. @default max(10, minCapacity) */
  readonly maxCapacity?: number;
  /**
   * Average CPU the autoscaler aims for.
   * @default 60
   */
  readonly cpuTargetPercent?: number;
  /**
   * ALB requests per task per minute the autoscaler aims for.
   * @default 6000
   */
  readonly requestsPerTarget?: number;
  /**
   * Task CPU units (1024 = 1 vCPU).
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB; a snapshot needs about 4x its size while loading (toolchain.md).
   * @default 2048
   */
  readonly memoryMiB?: number;
  /**
   * How long a new task may fail health checks while it loads its first snapshot.
   * @default Duration.seconds(120)
   */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * ALB cookie stickiness: keeps a client on one task, so two tasks briefly holding different snapshots
   * do not give one client alternating answers (clients that keep cookies only).
   * @default Duration.hours(1)
   */
  readonly stickiness?: Duration;
  /** How long logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group on stack deletion. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The serving tier as an ECS Fargate service built from the top-level Dockerfile (for steady high load). */
export class FargateServing extends Construct {
  /** The ECS service. */
  readonly service: FargateService;
  /** The IP target group (sticky, health-checked on /healthcheck). */
  readonly targetGroup: ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: FargateServingProps) {
    super(scope, id);
    const desiredCount = props.desiredCount ?? 2;
    const minCapacity = props.minCapacity ?? desiredCount;
    const maxCapacity = props.maxCapacity ?? Math.max(10, minCapacity);
    if (!(minCapacity >= 1 && minCapacity <= desiredCount && desiredCount <= maxCapacity)) {
      throw new Error(
        `need 1 <= minCapacity <= desiredCount <= maxCapacity, got ${minCapacity}, ${desiredCount}, ${maxCapacity}`,
      );
    }
    const cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 1024,
      memoryLimitMiB: props.memoryMiB ?? 2048,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });
    // The root filesystem is read-only; /tmp stays writable for anything the server spools.
    task.addVolume({ name: 'tmp' });
    const container = task.addContainer('Server', {
      // Staged at synth, built by `cdk deploy`: synth never needs a Docker daemon.
      image: ContainerImage.fromAsset(REPO_ROOT, {
        file: ENTRY.dockerfile,
        platform: Platform.LINUX_ARM64,
        exclude: DOCKER_EXCLUDE,
      }),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      environment: { ...props.environment, PORT: String(CONTAINER_PORT) },
      logging: LogDrivers.awsLogs({ streamPrefix: 'serve', logGroup }),
      readonlyRootFilesystem: true,
    });
    container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
    props.snapshots.grantReadPrefix(task.taskRole);
    const hasNat = props.vpc.privateSubnets.length > 0;
    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount,
      minHealthyPercent: 100,
      healthCheckGracePeriod: props.healthCheckGracePeriod ?? Duration.seconds(120),
      circuitBreaker: { enable: true, rollback: true },
      // Without NAT the tasks need a public IP to pull the image and reach S3.
      vpcSubnets: { subnetType: hasNat ? privateSubnetType(props.vpc) : SubnetType.PUBLIC },
      assignPublicIp: !hasNat,
    });
    this.targetGroup = props.listener.addTargets('Fargate', {
      port: CONTAINER_PORT,
      targets: [this.service],
      stickinessCookieDuration: props.stickiness ?? Duration.hours(1),
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: '/healthcheck',
        interval: Duration.seconds(15),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity, maxCapacity });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.cpuTargetPercent ?? 60 });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.requestsPerTarget ?? 6000,
      targetGroup: this.targetGroup,
    });
    if (task.executionRole) {
      Validations.of(task.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are limited to the asset repository',
      });
    }
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'the environment holds only non-secret settings (store URL, refresh periods, API key hashes)',
    });
  }
}
