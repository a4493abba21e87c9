import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/** Keeps a rendered chart where a Slack image block can fetch it, and says where. */
export interface ChartStore {
  put(name: string, png: Uint8Array): Promise<string>;
}

/** S3's ceiling for a presigned URL; the bucket's lifecycle rule removes the object soon after. */
export const CHART_URL_LIFETIME_SECONDS = 7 * 24 * 3600;

/** A private bucket; the URL is presigned, so the chart is readable only by whoever holds the link. */
export class S3ChartStore implements ChartStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(name: string, png: Uint8Array): Promise<string> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: name, Body: png, ContentType: "image/png" }),
    );
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: name }), {
      expiresIn: CHART_URL_LIFETIME_SECONDS,
    });
  }
}

/** The local runtime's stand-in: it files the chart beside its outbox and serves it at the URL it was put to. */
export class LocalChartStore implements ChartStore {
  constructor(private readonly baseUrl: string) {}

  async put(name: string, png: Uint8Array): Promise<string> {
    const url = `${this.baseUrl.replace(/\/$/, "")}/${name.split("/").map(encodeURIComponent).join("/")}`;
    const response = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "image/png" },
      body: new Uint8Array(png),
    });
    if (!response.ok) throw new Error(`chart upload answered ${response.status}`);
    return url;
  }
}
