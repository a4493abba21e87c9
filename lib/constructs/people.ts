import { Duration, Lazy, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  type CfnUserPoolClient,
  CfnUserPoolUser,
  CfnUserPoolUserToGroupAttachment,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  type UserPoolGroup,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { type PeopleAuth, type Role, roles } from "../../lambdas/contracts/auth";
import { COGNITO_RESERVED_WORD, type StageConfig } from "../config";

export type PeopleProps = StageConfig["console"];

const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: "Reads metrics, drivers, cases and customers",
  agent: "Reads, and works cases: status, owner, notes",
  admin: "Everything, including keys, erasure and export",
};

/** Cognito's longest domain prefix, less the hyphen and 12-digit account that follow the stack's name. */
const STACK_NAME_IN_PREFIX = 63 - 13;

/**
 * The stack's name made a valid Cognito domain prefix, then the account: prefixes are global per region, so two
 * stages, or the same stage in two accounts, never claim the same one.
 */
function derivedDomainPrefix(stack: Stack): string {
  let name = stack.stackName.toLowerCase();
  // Removing one reserved word can join the letters around it into another.
  while (COGNITO_RESERVED_WORD.test(name)) name = name.replace(COGNITO_RESERVED_WORD, "");
  name = name.slice(0, STACK_NAME_IN_PREFIX).replace(/^-+|-+$/g, "");
  return [name, stack.account].filter(Boolean).join("-");
}

/**
 * The people who use the console: a Cognito user pool nobody can sign up to (admins invite), one group per role,
 * the hosted sign-in, and the console's public app client (authorization code with PKCE, no secret). The API
 * verifies the ID tokens it issues (`auth`), and maps the groups in them to scopes.
 */
export class People extends Construct {
  readonly userPool: UserPool;
  /** The console's app client: the audience of a person's ID token. */
  readonly clientId: string;
  /** Who signs people's tokens, as their `iss` claim names it. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The hosted sign-in: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainUrl: string;
  private readonly domain: UserPoolDomain;
  private readonly client: UserPoolClient;
  /** Where sign-in and sign-out may send people back to, besides the stage's extra URLs; Cognito refuses any other. */
  private readonly returnUrls: string[] = [];

  constructor(scope: Construct, id: string, props: PeopleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.userPool = new UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: props.threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(props.threatProtection ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      // People's accounts survive a stack deleted by mistake, as the table does; nobody has to be invited again.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: "AwsSolutions-COG2",
      reason:
        "MFA is optional so that an invited person can sign in once and enrol an authenticator app (TOTP) themselves; SMS is off. Only admins can add people, and the password policy asks 14 characters of four kinds.",
    });
    if (!props.threatProtection)
      Validations.of(this.userPool).acknowledge({
        id: "AwsSolutions-COG8",
        reason:
          "The Plus plan bills every monthly active user with no free tier, so threat protection is a stage choice (console.threatProtection); without it only invited people have accounts, with strong passwords and optional TOTP.",
      });

    const groups = Object.fromEntries(
      roles.map((role) => [
        role,
        this.userPool.addGroup(role, { groupName: role, description: ROLE_DESCRIPTIONS[role] }),
      ]),
    ) as Record<Role, UserPoolGroup>;

    this.domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? derivedDomainPrefix(stack) },
    });
    this.domainUrl = this.domain.baseUrl();

    const returnUrls = Lazy.list({ produce: () => [...this.returnUrls, ...props.extraCallbackUrls] });
    this.client = this.userPool.addClient("ConsoleClient", {
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: returnUrls,
        logoutUrls: returnUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      preventUserExistenceErrors: true,
    });
    // People sign in only through the hosted UI's code grant, never with a password sent to the API by a script.
    (this.client.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = ["ALLOW_REFRESH_TOKEN_AUTH"];
    this.clientId = this.client.userPoolClientId;

    this.issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;

    if (props.firstAdminEmail) {
      const firstAdmin = new CfnUserPoolUser(this, "FirstAdmin", {
        userPoolId: this.userPool.userPoolId,
        username: props.firstAdminEmail,
        desiredDeliveryMediums: ["EMAIL"],
        userAttributes: [
          { name: "email", value: props.firstAdminEmail },
          { name: "email_verified", value: "true" },
        ],
      });
      new CfnUserPoolUserToGroupAttachment(this, "FirstAdminGroup", {
        userPoolId: this.userPool.userPoolId,
        groupName: groups.admin.groupName,
        username: firstAdmin.ref,
      });
    }
  }

  /** How the API verifies a person's ID token (`PEOPLE_AUTH`). */
  get auth(): PeopleAuth {
    return { issuer: this.issuer, audience: this.clientId, jwksUrl: this.jwksUrl };
  }

  /** Lets sign-in and sign-out return to `url`, e.g. the console's own address once its distribution exists. */
  allowReturnTo(url: string): void {
    this.returnUrls.push(url);
  }

  /** The hosted sign-in page for the console's client, returning to `redirectUri`. */
  signInUrl(redirectUri: string): string {
    return this.domain.signInUrl(this.client, { redirectUri });
  }
}
