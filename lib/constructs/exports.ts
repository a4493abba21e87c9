import { Duration, Validations } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { EXPORT_RETENTION_DAYS } from "../../lambdas/contracts/exports";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { ConsumerQueue } from "./consumer-queue";
import type { Data } from "./data";
import { CxFunction } from "./function";
import { acknowledgeWildcardResource } from "./nag";
import type { Observability } from "./observability";

export interface ExportsProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Seconds one step reads before it writes its part: with the final combine of ~1 M rows, well inside the timeout. */
const STEP_SECONDS = 60;

/**
 * Exports as jobs: the API writes a job item and queues its first step; the export function (one message at a
 * time) reads a step's worth of the window, puts it as a gzip part, saves its cursor and queues the next step, and
 * the last step combines the parts. Files live in a private bucket for EXPORT_RETENTION_DAYS, read through
 * presigned URLs only.
 */
export class Exports extends Construct {
  readonly api: CxFunction;
  readonly worker: CxFunction;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ExportsProps) {
    super(scope, id);
    const { config, data, observability, logRetention } = props;

    this.bucket = new Bucket(this, "Files", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [
        { expiration: Duration.days(EXPORT_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "Exports are written by the export function alone and read through presigned URLs its API hands to admins; every file expires within seven days, and the function logs each step with the job id.",
    });
    const files = this.bucket.arnForObjects("exports/*");

    this.worker = new CxFunction(this, "Worker", {
      handler: "export",
      description: "Runs export jobs a step at a time: pages the window, writes gzip parts, combines them",
      logRetention,
      observability,
      timeout: Duration.minutes(5),
      memorySize: 1024,
      environment: {
        [EnvName.exportBucket]: this.bucket.bucketName,
        [EnvName.exportStepSeconds]: String(STEP_SECONDS),
      },
    });
    data.grantTable(this.worker, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query");
    this.worker.fn.addToRolePolicy(
      new PolicyStatement({ actions: ["s3:PutObject", "s3:GetObject"], resources: [files] }),
    );
    acknowledgeWildcardResource(
      this.worker.fn,
      files,
      "The export function writes and reads only the parts and files of export jobs, under exports/<job id>/ with names it makes: the prefix is the narrowest resource that names them.",
    );
    const steps = new ConsumerQueue(this, "StepQueue", {
      consumer: this.worker,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: 1,
      maxConcurrency: 2,
    });
    steps.queue.grantSendMessages(this.worker.fn);
    this.worker.addEnvironment(EnvName.exportQueueUrl, steps.queue.queueUrl);

    this.api = new CxFunction(this, "Api", {
      handler: "exports-api",
      description: "Starts export jobs and reports their progress, with a presigned URL once done",
      logRetention,
      observability,
      environment: { [EnvName.exportBucket]: this.bucket.bucketName },
    });
    data.grantTable(this.api, "dynamodb:GetItem", "dynamodb:PutItem");
    steps.queue.grantSendMessages(this.api.fn);
    this.api.addEnvironment(EnvName.exportQueueUrl, steps.queue.queueUrl);
    // Presigning needs no call, but the URL works only while the signer may read the object.
    this.api.fn.addToRolePolicy(new PolicyStatement({ actions: ["s3:GetObject"], resources: [files] }));
    acknowledgeWildcardResource(
      this.api.fn,
      files,
      "The exports API presigns downloads of finished export files under exports/, and may read nothing else.",
    );
  }
}
