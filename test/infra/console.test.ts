import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { CachePolicy, OriginRequestPolicy } from "aws-cdk-lib/aws-cloudfront";
import { beforeAll, describe, expect, it } from "vitest";
import { roles } from "../../lambdas/contracts/auth";
import { type HandlerName, ROUTE_HANDLERS } from "../../lambdas/contracts/routes";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { stageConfigSchema } from "../../lib/config";
import { HANDLER_METADATA_KEY } from "../../lib/constructs/bundling";
import { PAGE_REWRITE_CODE } from "../../lib/constructs/console";
import { People } from "../../lib/constructs/people";
import { WIDGET_PATH } from "../../web/widget/served-at";
import { allowedActionsOf } from "./iam";
import {
  type CfnResource,
  cxloopFunctionsOf,
  environmentOf,
  functionFor,
  getAttOf,
  refOf,
  resourceById,
  resourcesOf,
  roleOf,
  siteDeploymentHandlerOf,
  synthesize,
  textOf,
} from "./synth";

const FIRST_ADMIN = "ada@example.com";
const CUSTOM_DOMAIN = "https://cx.example.com/";
let template: Template;

beforeAll(() => {
  ({ template } = synthesize(
    {
      console: {
        domainPrefix: "cxloop-console-test",
        firstAdminEmail: FIRST_ADMIN,
        extraCallbackUrls: [CUSTOM_DOMAIN],
        threatProtection: true,
      },
    },
    "ConsoleTest",
  ));
}, 120_000);

/** The one resource of `type` in `from`, as [logicalId, resource]. */
function theOne(type: string, from = template): [string, CfnResource] {
  const found = resourcesOf(from, type);
  if (found.length !== 1 || !found[0]) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The console's bucket: the digest keeps its charts in a bucket of its own. */
function siteBucket(): [string, CfnResource] {
  const found = resourcesOf(template, "AWS::S3::Bucket").filter(([id]) => id.startsWith("Console"));
  if (found.length !== 1 || !found[0]) throw new Error(`expected one console bucket, found ${found.length}`);
  return found[0];
}

/** A stack holding only People, from a stage's `console` settings: what the defaults make, without a full synth. */
function peopleAlone(stackName: string, settings: unknown = {}, account?: string): Template {
  const stack = new Stack(new App(), stackName, account ? { env: { account, region: "eu-west-1" } } : {});
  new People(stack, "People", stageConfigSchema.parse({ console: settings }).console);
  return Template.fromStack(stack);
}

const ref = (id: string) => `\${${id}}`;
const consoleUrl = () => `https://${ref(`${theOne("AWS::CloudFront::Distribution")[0]}.DomainName`)}`;
const issuer = () =>
  `https://cognito-idp.\${AWS::Region}.\${AWS::URLSuffix}/${ref(theOne("AWS::Cognito::UserPool")[0])}`;
const signInDomain = () =>
  `https://${ref(theOne("AWS::Cognito::UserPoolDomain")[0])}.auth.\${AWS::Region}.amazoncognito.com`;

interface Behavior {
  TargetOriginId: string;
  PathPattern?: string;
  [property: string]: unknown;
}
const distributionConfig = () =>
  theOne("AWS::CloudFront::Distribution")[1].Properties.DistributionConfig as {
    DefaultCacheBehavior: Behavior;
    CacheBehaviors: Behavior[];
    Origins: { Id: string; [property: string]: unknown }[];
    [property: string]: unknown;
  };
const originOf = (behavior: Behavior) =>
  distributionConfig().Origins.find((origin) => origin.Id === behavior.TargetOriginId);
const behaviorFor = (pattern: string) => {
  const found = distributionConfig().CacheBehaviors.find((behavior) => behavior.PathPattern === pattern);
  if (!found) throw new Error(`no cache behaviour for ${pattern}`);
  return found;
};

describe("people", () => {
  it("sign in with their email to a pool nobody can sign up to, with a strong password, optional TOTP and recovery by email", () => {
    const [, { Properties: pool }] = theOne("AWS::Cognito::UserPool");
    expect(pool).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ["email"],
      AutoVerifiedAttributes: ["email"],
      MfaConfiguration: "OPTIONAL",
      EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }] },
      Policies: {
        PasswordPolicy: { RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
    });
    expect(
      (pool.Policies as { PasswordPolicy: { MinimumLength: number } }).PasswordPolicy.MinimumLength,
    ).toBeGreaterThanOrEqual(12);
  });

  it("are each in a group per role, viewer, agent and admin", () => {
    const [poolId] = theOne("AWS::Cognito::UserPool");
    const groups = resourcesOf(template, "AWS::Cognito::UserPoolGroup").map(([, group]) => group.Properties);
    expect(groups.map((group) => group.GroupName).sort()).toEqual([...roles].sort());
    expect([...roles].sort()).toEqual(["admin", "agent", "viewer"]);
    for (const group of groups) expect(group.UserPoolId).toEqual({ Ref: poolId });
  });

  it("sign in through a public client with only the code grant, which returns only to the console and the stage's URLs", () => {
    const [, { Properties: client }] = theOne("AWS::Cognito::UserPoolClient");
    expect(client).toMatchObject({
      AllowedOAuthFlows: ["code"],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ["openid", "email", "profile"],
      GenerateSecret: false,
      ExplicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
      SupportedIdentityProviders: ["COGNITO"],
      PreventUserExistenceErrors: "ENABLED",
      IdTokenValidity: 60,
      RefreshTokenValidity: 12 * 60,
      TokenValidityUnits: { IdToken: "minutes", RefreshToken: "minutes" },
    });
    const returnUrls = [`${consoleUrl()}/`, CUSTOM_DOMAIN];
    expect((client.CallbackURLs as unknown[]).map(textOf)).toEqual(returnUrls);
    expect((client.LogoutURLs as unknown[]).map(textOf)).toEqual(returnUrls);
  });

  it("sign in on the stage's domain prefix, else on one made of the stack's name and the account", () => {
    expect(theOne("AWS::Cognito::UserPoolDomain")[1].Properties.Domain).toBe("cxloop-console-test");
    const domainOf = (people: Template) => textOf(theOne("AWS::Cognito::UserPoolDomain", people)[1].Properties.Domain);
    expect(domainOf(peopleAlone("Cxloop-dev"))).toBe(`cxloop-dev-\${AWS::AccountId}`);
    // Cognito refuses "aws", "amazon" and "cognito" anywhere, including where removing one makes another.
    expect(domainOf(peopleAlone("Cxloop-amazawsonly-cognito"))).toBe(`cxloop-ly-\${AWS::AccountId}`);
    const long = domainOf(peopleAlone(`Cxloop-${"x".repeat(80)}`, {}, "123456789012"));
    expect(long).toMatch(/^cxloop-x+-123456789012$/);
    expect(long).toHaveLength(63);
  });

  it("include the first admin, invited by email and put in admin, only when the stage names one", () => {
    const [userId, user] = theOne("AWS::Cognito::UserPoolUser");
    expect(user.Properties).toMatchObject({
      Username: FIRST_ADMIN,
      DesiredDeliveryMediums: ["EMAIL"],
      UserAttributes: [
        { Name: "email", Value: FIRST_ADMIN },
        { Name: "email_verified", Value: "true" },
      ],
    });
    const [, attachment] = theOne("AWS::Cognito::UserPoolUserToGroupAttachment");
    expect(attachment.Properties.Username).toEqual({ Ref: userId });
    expect(resourceById(template, refOf(attachment.Properties.GroupName)).Properties.GroupName).toBe("admin");

    const nobody = peopleAlone("Cxloop-dev");
    expect(resourcesOf(nobody, "AWS::Cognito::UserPoolUser")).toEqual([]);
    expect(resourcesOf(nobody, "AWS::Cognito::UserPoolUserToGroupAttachment")).toEqual([]);
  });

  it("are protected by Cognito's threat protection (Plus plan) only when the stage asks for it", () => {
    expect(theOne("AWS::Cognito::UserPool")[1].Properties).toMatchObject({
      UserPoolTier: "PLUS",
      UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
    });
    const [, { Properties: plain }] = theOne("AWS::Cognito::UserPool", peopleAlone("Cxloop-dev"));
    expect(plain.UserPoolTier).toBe("ESSENTIALS");
    expect(plain.UserPoolAddOns).toBeUndefined();
  });

  it("are kept when the stack is deleted", () => {
    expect(theOne("AWS::Cognito::UserPool")[1]).toMatchObject({
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });
});

describe("the console's site", () => {
  it("is a private, encrypted bucket that only the distribution reads, through origin access control", () => {
    const [bucketId, bucket] = siteBucket();
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    });
    const policy = resourcesOf(template, "AWS::S3::BucketPolicy")
      .map(([, resource]) => resource)
      .find((resource) => JSON.stringify(resource.Properties.Bucket) === JSON.stringify({ Ref: bucketId }));
    if (!policy) throw new Error("the console's bucket has no policy");
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    const allowed = statements.filter((statement) => statement.Effect === "Allow");
    expect(allowed).toEqual([
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] },
        Condition: { StringEquals: { "AWS:SourceArn": expect.anything() } },
      },
    ]);
    const [distributionId] = theOne("AWS::CloudFront::Distribution");
    const { Condition: condition } = allowed[0] as { Condition: { StringEquals: Record<string, unknown> } };
    expect(textOf(condition.StringEquals["AWS:SourceArn"])).toBe(
      `arn:\${AWS::Partition}:cloudfront::\${AWS::AccountId}:distribution/${ref(distributionId)}`,
    );

    const siteOrigin = originOf(distributionConfig().DefaultCacheBehavior);
    expect(siteOrigin).toMatchObject({ DomainName: { "Fn::GetAtt": [bucketId, "RegionalDomainName"] } });
    const accessControl = resourceById(template, getAttOf(siteOrigin?.OriginAccessControlId, "Id"));
    expect(accessControl.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
  });

  it("answers the console's routes with index.html through a viewer-request function, and has no error pages", () => {
    const config = distributionConfig();
    expect(config.DefaultRootObject).toBe("index.html");
    expect(config.CustomErrorResponses).toBeUndefined();
    const [association, ...others] = config.DefaultCacheBehavior.FunctionAssociations as {
      EventType: string;
      FunctionARN: unknown;
    }[];
    expect(others).toEqual([]);
    expect(association?.EventType).toBe("viewer-request");
    const rewrite = resourceById(template, getAttOf(association?.FunctionARN, "FunctionARN"));
    expect(rewrite.Properties).toMatchObject({
      AutoPublish: true,
      FunctionCode: PAGE_REWRITE_CODE,
      FunctionConfig: { Runtime: "cloudfront-js-2.0" },
    });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
  });

  it("sends /v1/* to the HTTP API uncached, with every method and every viewer header but Host, over HTTPS only", () => {
    // CloudFront takes the first pattern that matches: the widget's must come before the API's.
    expect(distributionConfig().CacheBehaviors.map((behavior) => behavior.PathPattern)).toEqual([WIDGET_PATH, "/v1/*"]);
    const api = behaviorFor("/v1/*");
    expect(api).toMatchObject({
      CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
      OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
      ViewerProtocolPolicy: "https-only",
    });
    expect([...(api.AllowedMethods as string[])].sort()).toEqual(
      ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"].sort(),
    );
    const [apiId] = theOne("AWS::ApiGatewayV2::Api");
    const origin = originOf(api);
    expect(textOf(origin?.DomainName)).toBe(`${ref(apiId)}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`);
    expect(origin?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: "https-only",
      OriginSSLProtocols: ["TLSv1.2"],
    });
  });

  it("answers with security headers, and a content security policy that lets the page reach only itself and the sign-in", () => {
    const site = distributionConfig().DefaultCacheBehavior;
    const policyId = refOf(site.ResponseHeadersPolicyId);
    const policy = resourceById(template, policyId);
    expect(behaviorFor("/v1/*").ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const headers = (
      policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: Record<string, unknown> }
    ).SecurityHeadersConfig;
    expect(headers).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 730 * 24 * 3600, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: "DENY", Override: true },
      ReferrerPolicy: { ReferrerPolicy: "strict-origin-when-cross-origin", Override: true },
      ContentSecurityPolicy: { Override: true },
    });
    expect(textOf((headers.ContentSecurityPolicy as { ContentSecurityPolicy: unknown }).ContentSecurityPolicy)).toBe(
      [
        "default-src 'self'",
        `connect-src 'self' ${signInDomain()} ${issuer()}/`,
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        `form-action 'self' ${signInDomain()}`,
      ].join("; "),
    );
  });

  it("serves the widget from the bucket, cached five minutes at the edge and in browsers, to any site", () => {
    const widget = behaviorFor(WIDGET_PATH);
    expect(widget.TargetOriginId).toBe(distributionConfig().DefaultCacheBehavior.TargetOriginId);
    expect(widget).toMatchObject({ ViewerProtocolPolicy: "redirect-to-https", Compress: true });
    // Absent: CloudFront's default, GET and HEAD only.
    expect(widget.AllowedMethods).toBeUndefined();
    // No page rewrite: the path is the bucket's key.
    expect(widget.FunctionAssociations).toBeUndefined();

    const cache = resourceById(template, refOf(widget.CachePolicyId)).Properties.CachePolicyConfig;
    // The bucket's objects say no-cache: only a minimum TTL makes CloudFront keep the widget anyway.
    expect(cache).toMatchObject({ MinTTL: 300, DefaultTTL: 300, MaxTTL: 300 });

    const headers = resourceById(template, refOf(widget.ResponseHeadersPolicyId)).Properties
      .ResponseHeadersPolicyConfig as Record<string, unknown>;
    expect(headers).toMatchObject({
      CorsConfig: {
        AccessControlAllowOrigins: { Items: ["*"] },
        AccessControlAllowMethods: { Items: ["GET", "HEAD"] },
        AccessControlAllowCredentials: false,
        OriginOverride: true,
      },
      CustomHeadersConfig: {
        Items: expect.arrayContaining([
          { Header: "Cross-Origin-Resource-Policy", Value: "cross-origin", Override: true },
          { Header: "Cache-Control", Value: "public, max-age=300", Override: true },
        ]),
      },
      SecurityHeadersConfig: { ContentTypeOptions: { Override: true } },
    });
    // A CSP or frame options on a script's response would govern nothing: the page that runs it has its own.
    expect((headers.SecurityHeadersConfig as Record<string, unknown>).ContentSecurityPolicy).toBeUndefined();
  });

  it("is deployed from the build and a config.json naming the issuer, the sign-in domain, the client and the console", () => {
    const [bucketId] = siteBucket();
    const [, { Properties: deployment }] = theOne("Custom::CDKBucketDeployment");
    expect(deployment).toMatchObject({
      DestinationBucketName: { Ref: bucketId },
      SystemMetadata: { "cache-control": "no-cache" },
      Prune: true,
      RetainOnDelete: false,
    });
    expect(deployment.SourceObjectKeys).toHaveLength(2);
    // config.json is written at synth with a marker for each deploy-time value, which the deployment fills in.
    const [, configValues] = deployment.SourceMarkers as [unknown, Record<string, unknown>];
    expect(Object.values(configValues)).toEqual(
      expect.arrayContaining([
        { Ref: theOne("AWS::Cognito::UserPool")[0] },
        { Ref: theOne("AWS::Cognito::UserPoolDomain")[0] },
        { Ref: theOne("AWS::Cognito::UserPoolClient")[0] },
        { "Fn::GetAtt": [theOne("AWS::CloudFront::Distribution")[0], "DomainName"] },
      ]),
    );
  });

  it("is deployed by a function that may read only CDK's asset bucket and write only the site's bucket", () => {
    const [bucketId] = siteBucket();
    const site = [ref(`${bucketId}.Arn`), `${ref(`${bucketId}.Arn`)}/*`];
    const assets = /^arn:\$\{AWS::Partition\}:s3:::cdk-[a-z0-9]+-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}(\/\*)?$/;
    const allowed = allowedActionsOf(template, roleOf(siteDeploymentHandlerOf(template)[1]));
    expect(allowed.size).toBeGreaterThan(0);
    for (const [action, resources] of allowed) {
      const texts = resources.map(textOf);
      const readsOnly = /^s3:(Get|List)/.test(action);
      for (const text of texts)
        expect(site.includes(text) || (readsOnly && assets.test(text)), `${action} ${text}`).toBe(true);
    }
    expect(allowed.get("s3:PutObject")?.map(textOf)).toEqual(site);
  });
});

describe("the API and the notifications", () => {
  it("give every API function the pool as issuer, the console's client as audience, and the pool's keys", () => {
    const expected = {
      issuer: issuer(),
      audience: ref(theOne("AWS::Cognito::UserPoolClient")[0]),
      jwksUrl: `${issuer()}/.well-known/jwks.json`,
    };
    for (const handler of new Set<HandlerName>(Object.values(ROUTE_HANDLERS)))
      expect(JSON.parse(textOf(environmentOf(functionFor(template, handler)[1])[EnvName.peopleAuth])), handler).toEqual(
        expected,
      );
  });

  it("give the notifier and the digest the console's address, for links to a case and to the overview", () => {
    const told = new Set<HandlerName>(["notify", "digest"]);
    for (const [id, fn] of cxloopFunctionsOf(template)) {
      const value = environmentOf(fn)[EnvName.consoleUrl];
      if (told.has(fn.Metadata?.[HANDLER_METADATA_KEY] as HandlerName)) expect(textOf(value), id).toBe(consoleUrl());
      else expect(value, id).toBeUndefined();
    }
  });

  it("output the console's address, the user pool and the sign-in page", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(textOf(outputs.ConsoleUrl?.Value)).toBe(consoleUrl());
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: theOne("AWS::Cognito::UserPool")[0] });
    expect(textOf(outputs.SignInUrl?.Value)).toBe(
      `${signInDomain()}/login?client_id=${ref(theOne("AWS::Cognito::UserPoolClient")[0])}&response_type=code&redirect_uri=${consoleUrl()}/`,
    );
  });
});

describe("the page rewrite (the CloudFront Function's code)", () => {
  // CloudFront runs the code as a script that defines `handler`; evaluated the same way here.
  const handler = new Function(`${PAGE_REWRITE_CODE}\nreturn handler;`)() as (event: { request: { uri: string } }) => {
    uri: string;
  };
  const served = (uri: string) => handler({ request: { uri } }).uri;

  it.each(["/cases/case-1", "/cases", "/customers/c-123", "/cases/case-order.1042", "/cases/"])(
    "serves index.html for the console's route %s",
    (uri) => expect(served(uri)).toBe("/index.html"),
  );

  it.each(["/", "/app.js", "/app.css", "/config.json", "/index.html"])("leaves %s as it is", (uri) =>
    expect(served(uri)).toBe(uri),
  );
});
