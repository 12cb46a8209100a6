// Shared setup of the infra tests: synthesize the stack in-process, quickly, with no AWS access.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { FallbackStack, type FallbackStackProps } from '../../infra/fallback-stack.ts';

/** A fixed environment, so ARNs and AZs render as in a real account. */
export const ENV = { account: '123456789012', region: 'eu-west-1' } as const;

/** A realistic imported VPC (ids must look like AWS ids for the CloudFormation schema checks). */
export const IMPORTED_VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidrBlock: '10.20.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
  privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
};

export const CERTIFICATE_ARN =
  'arn:aws:acm:eu-west-1:123456789012:certificate/0b9a3c51-5d0e-4c3c-9f4e-1a2b3c4d5e6f';
export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:oso-fallback-alarms';

/**
 * Builds the stack with bundling skipped (no esbuild, no Docker) and asset staging off (no copying of the
 * Docker context), so a synth takes well under a second after the first.
 */
export function synth(props: FallbackStackProps = {}): {
  app: App;
  stack: FallbackStack;
  template: Template;
} {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:disable-asset-staging': true,
      // The built-in CloudFormation schema rules cost ~5 s per process; the real synth test runs them.
      '@aws-cdk/core:validateAgainstDefaultRules': false,
    },
  });
  const stack = new FallbackStack(app, 'Fallback', { env: ENV, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The cdk-nag AwsSolutions findings left after acknowledgements, as readable lines. */
export function nagFindings(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.resourceLogicalId ?? ''} ${JSON.stringify(r)}`),
  );
}

/** Every cdk-nag acknowledgement (suppression) recorded in the tree, with the construct path it sits on. */
export function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .filter(([id]) => id.includes('AwsSolutions-'))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

/** The IAM statements attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as { Ref: string }[]).some(
        (r) => typeof r.Ref === 'string' && r.Ref.startsWith(rolePrefix),
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** An IAM statement as it appears in the template. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The actions of a statement, always as a list. */
export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}
