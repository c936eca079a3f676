/**
 * The users of the HTTP API: a Cognito user pool (administrators create the
 * users; MFA required; the contracts a user may act on in an attribute only
 * an administrator sets), one group per role, the hosted sign-in domain, and
 * the app client whose ID tokens the JWT authorizer accepts: a public client
 * (no secret) of the authorization code flow, which Cognito runs with PKCE
 * for the web console (console/src/auth/pkce.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { Role } from '#ledger';
import type { Stage } from '../constructs/handler-function.ts';

export const GROUPS: readonly Role[] = ['operator', 'ministry', 'investor', 'evaluator'];

export interface UsersProps {
  readonly stage: Stage;
  /** Prefix of the Cognito hosted domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  readonly cognitoDomainPrefix: string;
  /** Where the hosted sign-in may return to with a code (the console's /auth/callback). */
  readonly callbackUrls: readonly string[];
  /** Where the hosted sign-out may return to (the console's /sign-in). */
  readonly logoutUrls: readonly string[];
}

/** The scopes the console asks for (console/src/auth/pkce.ts DEFAULT_SCOPES); the ID token carries `custom:contracts`. */
export const OAUTH_SCOPES = [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE];

export interface Users {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly userPoolDomain: cognito.UserPoolDomain;
}

/** The user pool, its groups, domain and API client, in `scope` (the stateless stack). */
export function createUsers(scope: Construct, props: UsersProps): Users {
  const { stage } = props;
  const prod = stage === 'prod';
  const userPool = new cognito.UserPool(scope, 'Users', {
    userPoolName: `sib-ledger-${stage}`,
    selfSignUpEnabled: false,
    signInAliases: { email: true },
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    passwordPolicy: {
      minLength: 14,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(3),
    },
    // Which contracts a user may act on: set by an administrator, never by the user (see the client's writeAttributes).
    customAttributes: { contracts: new cognito.StringAttribute({ minLen: 1, maxLen: 2048, mutable: true }) },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    featurePlan: cognito.FeaturePlan.PLUS,
    standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    deletionProtection: prod,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  for (const group of GROUPS) {
    new cognito.CfnUserPoolGroup(scope, `Group${group.charAt(0).toUpperCase()}${group.slice(1)}`, {
      userPoolId: userPool.userPoolId,
      groupName: group,
      description: `sib-ledger role ${group}`,
    });
  }
  const userPoolDomain = userPool.addDomain('Domain', {
    cognitoDomain: { domainPrefix: props.cognitoDomainPrefix },
    managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
  });
  const userPoolClient = userPool.addClient('ApiClient', {
    authFlows: { userSrp: true },
    generateSecret: false,
    preventUserExistenceErrors: true,
    accessTokenValidity: Duration.hours(1),
    idTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.days(1),
    // Users read their contracts but cannot grant themselves more.
    readAttributes: new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true })
      .withCustomAttributes('contracts'),
    // Nothing: not even the e-mail, which is the sign-in name (an administrator changes it).
    writeAttributes: new cognito.ClientAttributes(),
    // The code flow only (no implicit grant), a public client: the console binds its code to itself with PKCE (S256).
    oAuth: {
      flows: { authorizationCodeGrant: true },
      scopes: OAUTH_SCOPES,
      callbackUrls: [...props.callbackUrls],
      logoutUrls: [...props.logoutUrls],
    },
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
  });
  // Managed login (version 2) serves its pages to a client only once a style is assigned: Cognito's own.
  new cognito.CfnManagedLoginBranding(scope, 'LoginBranding', {
    userPoolId: userPool.userPoolId,
    clientId: userPoolClient.userPoolClientId,
    useCognitoProvidedValues: true,
  });
  return { userPool, userPoolClient, userPoolDomain };
}
