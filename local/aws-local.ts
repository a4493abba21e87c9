/** Account and region the local stand-ins pretend to be; every local ARN and queue URL uses them. */
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

export const localArn = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;

/**
 * What every local process needs so the AWS SDK never looks for a real account:
 * dummy credentials, a region, and no instance-metadata lookup.
 */
export const LOCAL_AWS_ENV = {
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SDK_LOAD_CONFIG: "0",
} as const;
