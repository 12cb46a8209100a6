// The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FallbackStack } from './fallback-stack.ts';
import { optionsFromContext } from './options.ts';

const app = new App();
const stackName = app.node.tryGetContext('stackName') ?? 'OsoFallback';
new FallbackStack(app, String(stackName), {
  ...optionsFromContext(app.node),
  description: 'oso-fallback-serverless: an Oso Cloud fallback (snapshot bucket, sync, ALB serving tier)',
  // Whatever the CLI knows (nothing offline): synth needs no credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag AwsSolutions checks run on every synth; `-c nag=false` turns them off.
if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
app.synth();
