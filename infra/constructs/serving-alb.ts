import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import { type IVpc, Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  type ApplicationListener,
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ListenerCertificate,
  SslPolicy,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Options of {@link ServingAlb}. */
export interface ServingAlbProps {
  /** The VPC the load balancer lives in. */
  readonly vpc: IVpc;
  /**
   * Reachable from the internet. An authorization fallback normally serves only the application's own
   * network, so this must be asked for explicitly.
   * @default false
   */
  readonly internetFacing?: boolean;
  /**
   * ACM certificate ARN; when given, the listener is HTTPS on 443 (TLS 1.2+), otherwise plain HTTP on 80
   * (a synth warning says so).
   * @default - HTTP listener
   */
  readonly certificateArn?: string;
  /**
   * Networks allowed to connect to the listener.
   * @default - the VPC CIDR when internal, 0.0.0.0/0 when internet-facing
   */
  readonly ingressCidrs?: string[];
  /**
   * Bucket for ALB access logs (must be SSE-S3 encrypted); when absent, access logs are off.
   * @default - no access logs
   */
  readonly accessLogsBucket?: IBucket;
}

/** The Application Load Balancer and its one listener; a serving tier adds its targets to `listener`. */
export class ServingAlb extends Construct {
  /** The load balancer. */
  readonly alb: ApplicationLoadBalancer;
  /** The listener the serving tier adds its target group to. */
  readonly listener: ApplicationListener;
  /** `https` when a certificate was given, else `http`. */
  readonly protocol: 'http' | 'https';

  constructor(scope: Construct, id: string, props: ServingAlbProps) {
    super(scope, id);
    const internetFacing = props.internetFacing ?? false;
    this.protocol = props.certificateArn ? 'https' : 'http';
    const port = this.protocol === 'https' ? 443 : 80;
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `oso-fallback load balancer (${internetFacing ? 'internet-facing' : 'internal'})`,
      allowAllOutbound: false,
    });
    const cidrs = props.ingressCidrs ?? [internetFacing ? '0.0.0.0/0' : props.vpc.vpcCidrBlock];
    for (const cidr of cidrs) {
      securityGroup.addIngressRule(
        Peer.ipv4(cidr),
        Port.tcp(port),
        `oso clients to the ${this.protocol} listener`,
      );
    }
    if (cidrs.includes('0.0.0.0/0')) {
      Validations.of(securityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'internet-facing was chosen explicitly (context internetFacing=true); clients authenticate with the API key',
      });
    } else if (props.ingressCidrs === undefined) {
      Validations.of(securityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'ingress is limited to the VPC CIDR, which cdk-nag cannot read because it is a CloudFormation reference',
      });
    }
    this.alb = new ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing,
      securityGroup,
      vpcSubnets: { subnetType: internetFacing ? SubnetType.PUBLIC : privateSubnetType(props.vpc) },
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    if (props.accessLogsBucket) {
      this.alb.logAccessLogs(props.accessLogsBucket, 'alb');
    } else {
      Validations.of(this.alb).acknowledge({
        id: 'AwsSolutions-ELB2',
        reason:
          'ALB access logs are opt-in (context accessLogs=true); request metrics and function logs cover operations',
      });
    }
    this.listener = this.alb.addListener('Listener', {
      port,
      protocol: this.protocol === 'https' ? ApplicationProtocol.HTTPS : ApplicationProtocol.HTTP,
      certificates: props.certificateArn ? [ListenerCertificate.fromArn(props.certificateArn)] : undefined,
      sslPolicy: props.certificateArn ? SslPolicy.RECOMMENDED_TLS : undefined,
      open: false,
    });
    if (this.protocol === 'http') {
      Annotations.of(this).addWarningV2(
        'oso-fallback:plain-http',
        'no certificateArn: the load balancer listens on plain HTTP port 80, so API keys and answers cross the network unencrypted; pass -c certificateArn=arn:aws:acm:... for HTTPS',
      );
    }
  }

  /** The URL clients use as `fallbackUrl` (the ALB DNS name, or `domainName` when given). */
  url(domainName?: string): string {
    return `${this.protocol}://${domainName ?? this.alb.loadBalancerDnsName}`;
  }
}

/** The private subnets that exist: with egress when the VPC has NAT, else isolated. */
export function privateSubnetType(vpc: IVpc): SubnetType {
  return vpc.privateSubnets.length > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED;
}
