import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Data } from "./data";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface AccessProps {
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Who may call the API: managed keys, made and revoked through `/v1/keys` without a redeploy. */
export class Access extends Construct {
  readonly keysApi: CxFunction;

  constructor(scope: Construct, id: string, props: AccessProps) {
    super(scope, id);
    const { data, observability, logRetention } = props;
    this.keysApi = new CxFunction(this, "KeysApi", {
      handler: "keys-api",
      description: "Creates, lists and revokes API keys (salted hashes in the table)",
      logRetention,
      observability,
    });
    data.grantTable(this.keysApi, "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem");
  }
}
