import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DockerImage, Duration, FileSystem, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Asset } from "aws-cdk-lib/aws-s3-assets";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct, type IConstruct } from "constructs";
import { SITE_FILE } from "../../web/site-paths";
import { WIDGET_MAX_AGE_SECONDS, WIDGET_PATH } from "../../web/widget/served-at";
import { acknowledgeBasicExecutionRole, acknowledgeWildcardResource } from "./nag";
import type { People } from "./people";

export interface ConsoleProps {
  /** Served under `/v1/*` on the console's own origin, so the console needs no CORS. */
  httpApi: HttpApi;
  /** Who signs in to the console, and where. */
  people: People;
  /** How long the site deployment's logs are kept. */
  logRetention: RetentionDays;
}

/**
 * The CloudFront Function (cloudfront-js-2.0) in front of the site: the console routes by path (`/cases/case-1`),
 * so every path but the root's files (`/app.js`, `/config.json`) gets index.html, and the app shows the page. The
 * test is where a file sits, not whether the path has a dot: ids may hold one (`/cases/case-order.1042`). The root
 * itself is the distribution's default root object.
 */
export const PAGE_REWRITE_CODE = `function handler(event) {
  var request = event.request;
  if (request.uri !== "/" && !new RegExp(${JSON.stringify(SITE_FILE.source)}).test(request.uri)) request.uri = "/index.html";
  return request;
}`;

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** What `web/build.ts` reads, besides installed packages: the asset's hash, and all a Docker build is given. */
const BUILD_INPUTS = ["web", "lambdas/contracts", "package.json", "package-lock.json", "tsconfig.json"];

/**
 * The console's static files (index.html, app.js, app.css), built by `web/build.ts` with this checkout's tools, or
 * in Docker where they are not installed. Hashed from the build's inputs, so a synth with none changed reuses the
 * build in cdk.out rather than building again.
 */
function consoleBuild(scope: Construct): Asset {
  return new Asset(scope, "Build", {
    path: join(PROJECT_ROOT, "web"),
    assetHash: BUILD_INPUTS.map((input) => FileSystem.fingerprint(join(PROJECT_ROOT, input))).join(":"),
    bundling: {
      image: DockerImage.fromRegistry("public.ecr.aws/docker/library/node:22"),
      volumes: [{ hostPath: PROJECT_ROOT, containerPath: "/project" }],
      // The container runs as the calling user, who has no home there for npm's cache.
      environment: { HOME: "/tmp" },
      command: [
        "bash",
        "-euc",
        `mkdir /tmp/build && cd /project && cp -r --parents ${BUILD_INPUTS.join(" ")} /tmp/build && cd /tmp/build && npm ci --ignore-scripts --no-audit --no-fund && node_modules/.bin/tsx web/build.ts /asset-output`,
      ],
      local: {
        tryBundle(outputDir) {
          const tsx = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
          if (!existsSync(tsx)) return false;
          const build = spawnSync(tsx, ["web/build.ts", outputDir], { cwd: PROJECT_ROOT, encoding: "utf8" });
          if (build.status !== 0)
            throw new Error(
              `web/build.ts failed (${build.error?.message ?? `exit ${build.status}`}):\n${build.stderr}${build.stdout}`,
            );
          return true;
        },
      },
    },
  });
}

/**
 * The console: a private bucket behind CloudFront (origin access control), with the API under `/v1/*` on the
 * same origin, security headers that let the page talk only to itself and the Cognito sign-in, and the built
 * site with the `config.json` that tells it where people sign in. The build's `/v1/widget.js`, the survey other
 * sites embed, is served from the bucket too, cached and open to any site.
 */
export class Console extends Construct {
  readonly distribution: Distribution;
  /** `https://<distribution domain>`, no trailing slash: alerts link to `${url}/cases/<id>`. */
  readonly url: string;
  /** Where Cognito sends people back to after signing in or out. */
  readonly redirectUri: string;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const { people } = props;
    const stack = Stack.of(this);

    const bucket = new Bucket(this, "Site", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // It holds only the build, which the deployment below removes when the stack goes: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds only the console's build, which anyone may download; CloudFront alone reads it (origin access control), and the deployment alone writes it, logged in CloudTrail.",
    });

    const hsts = { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true };
    const securityHeaders = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "cxloop console: talks only to itself and its Cognito sign-in; HTTPS only, never framed",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            // The sign-in's token endpoint, and the issuer's discovery document (a path under the issuer).
            `connect-src 'self' ${people.domainUrl} ${people.issuer}/`,
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            `form-action 'self' ${people.domainUrl}`,
          ].join("; "),
          override: true,
        },
        strictTransportSecurity: hsts,
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    const widgetHeaders = new ResponseHeadersPolicy(this, "WidgetHeaders", {
      comment: "cxloop widget: a script any site may embed, kept five minutes by browsers",
      // Only a page loading it with `crossorigin` (for Subresource Integrity) needs CORS; nothing is credentialed.
      corsBehavior: {
        accessControlAllowOrigins: ["*"],
        accessControlAllowMethods: ["GET", "HEAD"],
        accessControlAllowHeaders: ["*"],
        accessControlAllowCredentials: false,
        originOverride: true,
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: "Cross-Origin-Resource-Policy", value: "cross-origin", override: true },
          // The deployment marks every file no-cache, which the console needs; host pages need not revalidate.
          { header: "Cache-Control", value: `public, max-age=${WIDGET_MAX_AGE_SECONDS}`, override: true },
        ],
      },
      securityHeadersBehavior: { strictTransportSecurity: hsts, contentTypeOptions: { override: true } },
    });
    const ttl = Duration.seconds(WIDGET_MAX_AGE_SECONDS);
    const widgetCache = new CachePolicy(this, "WidgetCache", {
      comment: "cxloop widget: five minutes at the edge, whatever the bucket's no-cache says",
      // The minimum too: CloudFront keeps an object its origin marks no-cache for the minimum TTL.
      minTtl: ttl,
      defaultTtl: ttl,
      maxTtl: ttl,
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const site = S3BucketOrigin.withOriginAccessControl(bucket);
    this.distribution = new Distribution(this, "Distribution", {
      comment: "cxloop console and API",
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: site,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, "PageRewrite", {
              code: FunctionCode.fromInline(PAGE_REWRITE_CODE),
              runtime: FunctionRuntime.JS_2_0,
              comment: "cxloop console: its own routes get index.html",
            }),
          },
        ],
      },
      // In this order: CloudFront takes the first pattern that matches, and the widget is under /v1/ too.
      additionalBehaviors: {
        // The widget comes from the bucket (the site's deployment carries it), not from the API.
        [WIDGET_PATH]: {
          origin: site,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: widgetCache,
          responseHeadersPolicy: widgetHeaders,
        },
        "/v1/*": {
          origin: new HttpOrigin(`${props.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          }),
          // A redirect would resend a request, key and body included, that already crossed the network in clear.
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // Everything the viewer sent (Authorization included, which only an uncached behaviour forwards),
          // except Host: API Gateway routes by its own.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: securityHeaders,
        },
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason:
          "People use the console from wherever they work; who may use it is decided by signing in, not by country.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "A web ACL costs a monthly fee plus a fee per rule and request, and must live in us-east-1; the API behind /v1/* has its stage throttle and checks every caller's key or token and scope, and the rest is static files.",
      },
      {
        id: "AwsSolutions-CFR3",
        reason:
          "CloudFront's access log records each request's full path and the viewer's IP, and paths name customers (/v1/customers/<id>), which erasure could not reach; the API's own access log already records every API call by route template, status and latency, and the rest is static files.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The distribution uses CloudFront's default *.cloudfront.net certificate, whose minimum protocol cannot be raised; browsers negotiate TLS 1.2 or 1.3 with it anyway. A custom domain with its own certificate would allow TLSv1.2_2021.",
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
    this.redirectUri = `${this.url}/`;
    people.allowReturnTo(this.redirectUri);

    const build = consoleBuild(this);
    const deployment = new BucketDeployment(this, "Deployment", {
      destinationBucket: bucket,
      sources: [
        Source.bucket(build.bucket, build.s3ObjectKey),
        Source.jsonData("config.json", {
          signIn: {
            kind: "cognito",
            issuer: people.issuer,
            domain: people.domainUrl,
            clientId: people.clientId,
            redirectUri: this.redirectUri,
          },
        }),
      ],
      // The files are not content-hashed: each is revalidated (a 304 while unchanged), so a deploy shows at once.
      cacheControl: [CacheControl.noCache()],
      // Empties the bucket when the stack goes, so CloudFormation can delete it without an auto-delete function.
      retainOnDelete: false,
      logGroup: new LogGroup(this, "DeploymentLogs", { retention: props.logRetention }),
    });
    // The deployment's handler is one function CDK shares among a stack's deployments; its role is the handle on it.
    const handler = deployment.handlerRole.node.scope as IConstruct;
    Validations.of(handler).acknowledge(
      {
        id: "AwsSolutions-L1",
        reason:
          "aws-cdk-lib chooses the BucketDeployment handler's Python runtime and moves it with its releases; the handler runs only during a deploy, copying the build, never on a request.",
      },
      ...["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          "aws-cdk-lib's bucket grants name these action families with a wildcard: the handler reads the build from the CDK asset bucket and syncs it into the site bucket, deleting what the build no longer has, and holds them on those two buckets only.",
      })),
    );
    acknowledgeBasicExecutionRole(handler);
    const objectsReason =
      "The deployment copies every file of the build, whose names it learns only then: it reads the CDK asset bucket's objects and writes the site bucket's, and no other bucket.";
    acknowledgeWildcardResource(handler, build.bucket.arnForObjects("*"), objectsReason);
    acknowledgeWildcardResource(handler, bucket.arnForObjects("*"), objectsReason);
  }
}
