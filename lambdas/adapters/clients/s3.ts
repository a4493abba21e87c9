import { S3Client } from "@aws-sdk/client-s3";
import { once } from "./once";

export const s3Client = /* @__PURE__ */ once(() => new S3Client({}));
