import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_ARN, IMPORTED_VPC, synth } from './support.ts';

describe('load balancer', () => {
  it('is internal by default, HTTP on 80, reachable from the VPC only', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({
          CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] },
          FromPort: 80,
        }),
      ],
    });
  });

  it('warns at synth time that the listener is plain HTTP', () => {
    const { stack } = synth();
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    expect(warnings.join('\n')).toContain('listens on plain HTTP');
  });

  it('is internet-facing only when asked, in public subnets', () => {
    const { template } = synth({ internetFacing: true });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: [
        { Ref: Match.stringLikeRegexp('^VpcpublicSubnet1') },
        { Ref: Match.stringLikeRegexp('^VpcpublicSubnet2') },
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80 })],
    });
  });

  it('listens on HTTPS 443 with TLS 1.2+ when given a certificate, and reports an https URL', () => {
    const { template, stack } = synth({
      certificateArn: CERTIFICATE_ARN,
      domainName: 'authz-fallback.example.com',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasOutput('FallbackUrl', { Value: 'https://authz-fallback.example.com' });
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning'));
    expect(warnings).toEqual([]);
  });

  it('admits only the configured CIDRs', () => {
    synth({ ingressCidrs: ['10.1.0.0/16', '192.168.0.0/24'] }).template.hasResourceProperties(
      'AWS::EC2::SecurityGroup',
      {
        SecurityGroupIngress: [
          Match.objectLike({ CidrIp: '10.1.0.0/16' }),
          Match.objectLike({ CidrIp: '192.168.0.0/24' }),
        ],
      },
    );
  });
});

describe('lambda serving (default)', () => {
  const { template } = synth();

  it('serves from a Node 24 arm64 function through its live alias, health-checked on /healthcheck', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({
          FALLBACK_STORE: Match.anyValue(),
          POWERTOOLS_SERVICE_NAME: 'oso-fallback-serve',
          POWERTOOLS_METRICS_NAMESPACE: 'OsoFallback',
          // as the Dockerfile: freed load and snapshot buffers go back to the OS (BENCHMARKS.md)
          MALLOC_MMAP_THRESHOLD_: '32768',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'lambda',
      HealthCheckEnabled: true,
      HealthCheckPath: '/healthcheck',
      Targets: [{ Id: { Ref: Match.stringLikeRegexp('^ServeLive') } }],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'elasticloadbalancing.amazonaws.com',
    });
  });

  it('runs the serve bundle without source maps unless asked (cold start), the sync with them', () => {
    const vars = (t: typeof template) =>
      Object.values(t.findResources('AWS::Lambda::Function')).map(
        (f) => f.Properties.Environment.Variables as Record<string, string>,
      );
    const serveVars = (t: typeof template) =>
      vars(t).find((v) => v.POWERTOOLS_SERVICE_NAME === 'oso-fallback-serve');
    expect(serveVars(template)?.NODE_OPTIONS).toBe('--max-semi-space-size=4');
    expect(vars(template).find((v) => v.POWERTOOLS_SERVICE_NAME === 'oso-fallback-sync')?.NODE_OPTIONS).toBe(
      '--enable-source-maps',
    );
    expect(serveVars(synth({ serveSourceMaps: true }).template)?.NODE_OPTIONS).toBe(
      '--max-semi-space-size=4 --enable-source-maps',
    );
  });

  it('has no provisioned concurrency unless asked, and no container resources', () => {
    const aliases = template.findResources('AWS::Lambda::Alias');
    for (const a of Object.values(aliases)) expect(a.Properties.ProvisionedConcurrencyConfig).toBeUndefined();
    template.resourceCountIs('AWS::ECS::Service', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('adds provisioned concurrency and the serve options', () => {
    synth({
      provisionedConcurrency: 3,
      serveMemoryMb: 2048,
      serveTimeoutSeconds: 10,
      refreshSeconds: 15,
      maxStalenessSeconds: 900,
      apiKeyHashes: 'a'.repeat(64),
    }).template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
    });
    synth({
      serveMemoryMb: 2048,
      serveTimeoutSeconds: 10,
      refreshSeconds: 15,
      maxStalenessSeconds: 900,
    }).template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({
          FALLBACK_REFRESH_SECONDS: '15',
          FALLBACK_MAX_STALENESS_SECONDS: '900',
        }),
      },
    });
  });

  it('rejects negative provisioned concurrency, showing it', () => {
    expect(() => synth({ provisionedConcurrency: -1 })).toThrow(
      'provisionedConcurrency must be a whole number of at least 0, got -1',
    );
  });

  it('creates a two-AZ VPC without NAT and with flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });
});

describe('fargate serving', () => {
  const { template } = synth({ servingMode: 'fargate' });

  it('runs the Dockerfile image on arm64 Fargate behind the ALB, with a grace period to load a snapshot', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: '1024',
      Memory: '2048',
      ContainerDefinitions: [
        Match.objectLike({
          PortMappings: [Match.objectLike({ ContainerPort: 8080 })],
          ReadonlyRootFilesystem: true,
          Environment: Match.arrayWith([Match.objectLike({ Name: 'FALLBACK_STORE' })]),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      HealthCheckGracePeriodSeconds: 120,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it('health-checks /healthcheck and keeps clients on one task (stickiness)', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      HealthCheckPath: '/healthcheck',
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'stickiness.enabled', Value: 'true' },
        { Key: 'stickiness.type', Value: 'lb_cookie' },
        { Key: 'stickiness.lb_cookie.duration_seconds', Value: '3600' },
      ]),
    });
  });

  it('lets the load balancer reach the tasks on 8080 only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 8080,
      ToPort: 8080,
      IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlbSecurityGroup'), 'GroupId'] },
    });
  });

  it('scales on CPU and on requests per task', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 10,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 6000,
      }),
    });
  });

  it('has no serving function', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(1);
    expect(fns[0]?.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('takes counts from options and rejects inconsistent ones, showing them', () => {
    synth({
      servingMode: 'fargate',
      desiredCount: 4,
      minCapacity: 3,
      maxCapacity: 20,
    }).template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 20,
    });
    expect(() => synth({ servingMode: 'fargate', desiredCount: 5, maxCapacity: 3 })).toThrow(
      'need 1 <= minCapacity <= desiredCount <= maxCapacity, got 5, 5, 3',
    );
  });

  it('uses an imported VPC by attributes, placing tasks in its private subnets', () => {
    const { template: t } = synth({ servingMode: 'fargate', importVpc: IMPORTED_VPC });
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          Subnets: IMPORTED_VPC.privateSubnetIds,
          AssignPublicIp: 'DISABLED',
        }),
      },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Subnets: IMPORTED_VPC.privateSubnetIds,
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: IMPORTED_VPC.vpcCidrBlock })],
    });
  });

  it('rejects an imported VPC without a CIDR for the internal ingress rule, naming the VPC', () => {
    const { vpcCidrBlock: _, ...withoutCidr } = IMPORTED_VPC;
    expect(() => synth({ importVpc: withoutCidr })).toThrow(
      `importVpc ${IMPORTED_VPC.vpcId} needs vpcCidrBlock (the internal load balancer admits the VPC) or ingressCidrs`,
    );
  });

  it('rejects an unknown serving mode, showing it', () => {
    expect(() => synth({ servingMode: 'ec2' as never })).toThrow(
      'servingMode must be "lambda" or "fargate", got "ec2"',
    );
  });
});
