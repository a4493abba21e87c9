#!/usr/bin/env node
import { App, Validations } from "aws-cdk-lib";
import { DEFAULT_STAGE, loadStageConfig } from "../lib/config";
import { CxloopStack } from "../lib/cxloop-stack";

const app = new App();
const stage = (app.node.tryGetContext("stage") as string | undefined) ?? DEFAULT_STAGE;
const config = loadStageConfig(stage, app.node.tryGetContext("stages"));

new CxloopStack(app, `Cxloop-${stage}`, {
  config,
  description: `cxloop customer feedback pipeline (${stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// `npx cdk synth -c nag=true` checks the stage with cdk-nag's AwsSolutions pack, as test/infra/nag.test.ts does for
// CI; only then is cdk-nag loaded, so a plain synth stays as fast as before.
if (String(app.node.tryGetContext("nag") ?? false) === "true") {
  const { AwsSolutionsChecks } = await import("cdk-nag");
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
