import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { EXPORT_RETENTION_DAYS, EXPORT_URL_LIFETIME_SECONDS, type ExportStepMessage } from "../contracts/exports";
import { exportJobKey, TableKeys } from "../contracts/table";
import type { ExportFiles, ExportJob, ExportJobStore, ExportQueue } from "../core/exports";
import { conditionHeld } from "./conditional-write";
import type { ListCursor, ResponseStore } from "./response-store";

const FIELDS = [
  "id",
  "format",
  "from",
  "to",
  "status",
  "rows",
  "nextPart",
  "parts",
  "file",
  "createdAt",
  "updatedAt",
] as const;

/** Export jobs in the table. The cursor is kept as JSON text: it holds DynamoDB keys, stored as they were given. */
export class DynamoExportJobs implements ExportJobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(job: ExportJob): Promise<void> {
    const { cursor, ...rest } = job;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...exportJobKey(job.id),
          ...rest,
          cursor: JSON.stringify(cursor),
          [TableKeys.ttlAttribute]: Math.floor(Date.parse(job.createdAt) / 1000) + EXPORT_RETENTION_DAYS * 86_400,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<ExportJob | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: exportJobKey(id), ConsistentRead: true }),
    );
    if (!Item) return null;
    const job = Object.fromEntries(FIELDS.map((field) => [field, Item[field] ?? null])) as Omit<ExportJob, "cursor">;
    return { ...job, cursor: JSON.parse(String(Item.cursor)) as unknown };
  }

  advance(id: string, part: number, progress: Pick<ExportJob, "cursor" | "rows" | "parts" | "updatedAt">) {
    return this.step(id, part, "#cursor = :cursor", {
      ":cursor": JSON.stringify(progress.cursor),
      ":rows": progress.rows,
      ":parts": progress.parts,
      ":at": progress.updatedAt,
    });
  }

  finish(id: string, part: number, result: Pick<ExportJob, "rows" | "parts" | "file" | "updatedAt">) {
    return this.step(id, part, "#status = :done, #file = :file", {
      ":done": "done",
      ":file": result.file,
      ":rows": result.rows,
      ":parts": result.parts,
      ":at": result.updatedAt,
    });
  }

  private step(id: string, part: number, set: string, values: Record<string, unknown>) {
    return conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: exportJobKey(id),
          UpdateExpression: `SET ${set}, #rows = :rows, #parts = :parts, #updatedAt = :at, #nextPart = :next`,
          ConditionExpression: "#nextPart = :part AND #status = :running",
          // Every name through a placeholder: `cursor`, `rows` and `status` are DynamoDB reserved words.
          ExpressionAttributeNames: {
            "#rows": "rows",
            "#parts": "parts",
            "#updatedAt": "updatedAt",
            "#nextPart": "nextPart",
            "#status": "status",
            ...(set.includes("#cursor") ? { "#cursor": "cursor" } : { "#file": "file" }),
          },
          ExpressionAttributeValues: { ...values, ":part": part, ":next": part + 1, ":running": "running" },
        }),
      ),
    );
  }
}

/** Responses read per page: well under DynamoDB's 1 MB page, few enough round trips. */
const EXPORT_PAGE = 500;

/** The window's responses through the same paging as `GET /v1/responses` (GSI1 month buckets, newest first). */
export const exportReader = (responses: ResponseStore) => ({
  page: async (window: { from: Date; to: Date }, cursor: unknown) => {
    const page = await responses.list({
      ...window,
      limit: EXPORT_PAGE,
      cursor: (cursor ?? undefined) as ListCursor | undefined,
    });
    return { items: page.items, next: page.nextCursor };
  },
});

export class SqsExportQueue implements ExportQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: ExportStepMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}

/** S3 refuses multipart parts under 5 MiB (but the last); the combined file is uploaded in parts of at least this. */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/** The private export bucket: parts and files under `exports/`, downloads through presigned URLs only. */
export class S3ExportFiles implements ExportFiles {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putPart(key: string, gzip: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: gzip, ContentType: "application/gzip" }),
    );
  }

  /** Streams the parts into one multipart upload, buffering up to one upload part at a time. */
  async combine(parts: readonly string[], into: string): Promise<void> {
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: into, ContentType: "application/gzip" }),
    );
    const uploaded: { PartNumber: number; ETag: string | undefined }[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      const PartNumber = uploaded.length + 1;
      const { ETag } = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: into, UploadId, PartNumber, Body: Buffer.concat(pending) }),
      );
      uploaded.push({ PartNumber, ETag });
      pending = [];
      pendingBytes = 0;
    };
    for (const part of parts) {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: part }));
      const bytes = Buffer.from((await Body?.transformToByteArray()) ?? []);
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= UPLOAD_PART_BYTES) await flush();
    }
    if (pendingBytes > 0 || uploaded.length === 0) await flush();
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: into,
        UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
  }

  url(key: string, fileName: string): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName}"`,
      }),
      { expiresIn: EXPORT_URL_LIFETIME_SECONDS },
    );
  }
}

/** The local runtime's stand-in: files are PUT to its data dir over HTTP and served at the same URL. */
export class LocalExportFiles implements ExportFiles {
  constructor(private readonly baseUrl: string) {}

  private at(key: string) {
    return `${this.baseUrl.replace(/\/$/, "")}/${key.split("/").map(encodeURIComponent).join("/")}`;
  }

  async putPart(key: string, gzip: Buffer): Promise<void> {
    const response = await fetch(this.at(key), { method: "PUT", body: new Uint8Array(gzip) });
    if (!response.ok) throw new Error(`export upload answered ${response.status}`);
  }

  async combine(parts: readonly string[], into: string): Promise<void> {
    const bytes: Buffer[] = [];
    for (const part of parts) {
      const response = await fetch(this.at(part));
      if (!response.ok) throw new Error(`export part read answered ${response.status}`);
      bytes.push(Buffer.from(await response.arrayBuffer()));
    }
    await this.putPart(into, Buffer.concat(bytes));
  }

  async url(key: string): Promise<string> {
    return this.at(key);
  }
}
