#!/usr/bin/env node
import { App } from "aws-cdk-lib";
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
