/**
 * The web console on AWS (infra/constructs/console-hosting.ts and its wiring
 * in the stateless stack), per concern on the synthesized templates: a
 * private bucket read only by the distribution through origin access
 * control; HTTPS only; the security headers from the constants the local
 * gateway sends; the API behind the same distribution on exactly the route
 * table's paths, never cached; the page addresses served index.html by a
 * viewer-request function; the Cognito client's code flow with the URLs of
 * the context; the uploads bucket's CORS rule for the console's origin
 * only; and config.json as console/src/lib/config.ts reads it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsoleConfig } from '../../console/src/lib/config.ts';
import { DEPLOYED_ROUTES } from '../../functions/api/routes.ts';
import {
  CONSOLE_CSP,
  CONSOLE_SECURITY_HEADERS,
  consoleCsp,
  IMMUTABLE,
  NO_CACHE,
} from '../../functions/shared/console-headers.ts';
import { buildApp } from '../../infra/app.ts';
import { apiPathPatterns, ConsoleHosting, SPA_FUNCTION_CODE } from '../../infra/constructs/console-hosting.ts';
import { SKIP_BUNDLING_CONTEXT } from '../../infra/constructs/handler-function.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function synth(context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'sib-cdk-console-'));
  dirs.push(outdir);
  const app = new App({ outdir, context: { [SKIP_BUNDLING_CONTEXT]: true, ...context } });
  const { stateless } = buildApp(app);
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(stateless.stackName).template);
  const json = template.toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const one = (type: string): [string, Resource] => {
    const found = ofType(type);
    expect(found, type).toHaveLength(1);
    return found[0] as [string, Resource];
  };
  const idOf = (construct: { node: { defaultChild?: unknown } }) =>
    stateless.getLogicalId(construct.node.defaultChild as cloudfront.CfnDistribution);
  return { outdir, stateless, template, json, ofType, one, idOf };
}

/**
 * A CloudFormation value as text: strings as they are, references as
 * `<Ref:X>`, `<GetAtt:X.Y>`, `<Import:name>`, joins joined, substitutions as written.
 */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if ('Ref' in v) return `<Ref:${String(v.Ref)}>`;
  if ('Fn::GetAtt' in v) return `<GetAtt:${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Sub' in v && typeof v['Fn::Sub'] === 'string') return v['Fn::Sub'];
  if ('Fn::ImportValue' in v) return `<Import:${render(v['Fn::ImportValue'])}>`;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** The console's page addresses, from its router (console/src/app.tsx), parameters filled in. */
const PAGES = [
  ...readFileSync(new URL('../../console/src/app.tsx', import.meta.url), 'utf8').matchAll(/<Route path="([^"]+)"/g),
].map((m) => (m[1] as string).replace(/:[a-z]+/gi, 'second-chance-kamchatka'));

/** CloudFront's path pattern matching (`*` any characters, case-sensitive). */
const matches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`).test(path);

describe('the console on AWS (dev, default context)', () => {
  const { outdir, stateless, json, ofType, one, idOf } = synth({ cognitoDomainPrefix: 'sib-test' });
  const [distributionId, distribution] = one('AWS::CloudFront::Distribution');
  const config = distribution.Properties.DistributionConfig as {
    DefaultRootObject: string;
    DefaultCacheBehavior: Record<string, unknown>;
    CacheBehaviors: Record<string, unknown>[];
    Origins: { Id: string; DomainName: unknown; OriginAccessControlId?: unknown; CustomOriginConfig?: unknown }[];
    CustomErrorResponses?: unknown;
    Logging?: { Bucket: unknown };
    ViewerCertificate?: unknown;
  };
  const bucketId = idOf(stateless.console.bucket);
  const distributionDomain = `<GetAtt:${distributionId}.DomainName>`;
  const consoleOrigin = `https://${distributionDomain}`;

  it('keeps the build in a private, encrypted, TLS-only bucket without website hosting', () => {
    const bucket = json.Resources[bucketId] as Resource;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
  });

  it('lets only the distribution read the bucket, through origin access control', () => {
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(
      ([, p]) => (p.Properties.Bucket as { Ref: string }).Ref === bucketId,
    ) as [string, Resource];
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(
      render(
        (allows[0] as { Condition: { StringEquals: Record<string, unknown> } }).Condition.StringEquals['AWS:SourceArn'],
      ),
    ).toBe(`arn:<Ref:AWS::Partition>:cloudfront::<Ref:AWS::AccountId>:distribution/<Ref:${distributionId}>`);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const s3Origin = config.Origins.find((o) => render(o.DomainName) === `<GetAtt:${bucketId}.RegionalDomainName>`);
    const [oacId, oac] = one('AWS::CloudFront::OriginAccessControl');
    expect(s3Origin?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(s3Origin?.Id);
    expect(config.DefaultRootObject).toBe('index.html');
  });

  it('answers HTTPS only, with access logs', () => {
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    for (const behavior of config.CacheBehaviors) expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    expect(render(config.Logging?.Bucket)).toBe(`<GetAtt:${idOf(stateless.console.logsBucket)}.RegionalDomainName>`);
    // CloudFront's default certificate without a custom domain (see the custom-domain case below).
    expect(config.ViewerCertificate).toBeUndefined();
  });

  it('sends the local gateway’s security headers, with connect-src for Cognito and the uploads bucket, and HSTS', () => {
    const [policyId, policy] = one('AWS::CloudFront::ResponseHeadersPolicy');
    const headers = (
      policy.Properties.ResponseHeadersPolicyConfig as {
        SecurityHeadersConfig: Record<string, Record<string, unknown>>;
      }
    ).SecurityHeadersConfig;
    const uploads = /<Import:SibLedger-dev-Stateful:ExportsOutputFnGetAttuploadsBucket\w+RegionalDomainName\w+>/;
    const csp = render(headers.ContentSecurityPolicy?.ContentSecurityPolicy);
    const upload = csp.match(uploads)?.[0];
    expect(upload).toBeDefined();
    expect(csp).toBe(consoleCsp(['https://sib-test.auth.<Ref:AWS::Region>.amazoncognito.com', `https://${upload}`]));
    // The same policy as the local gateway's but for connect-src.
    const withoutConnect = (p: string) => p.split('; ').filter((d) => !d.startsWith('connect-src'));
    expect(withoutConnect(csp)).toEqual(withoutConnect(CONSOLE_CSP));
    expect(headers.ContentSecurityPolicy?.Override).toBe(true);
    expect(headers.FrameOptions).toEqual({ FrameOption: CONSOLE_SECURITY_HEADERS['x-frame-options'], Override: true });
    expect(headers.ReferrerPolicy).toEqual({
      ReferrerPolicy: CONSOLE_SECURITY_HEADERS['referrer-policy'],
      Override: true,
    });
    expect(CONSOLE_SECURITY_HEADERS['x-content-type-options']).toBe('nosniff');
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.StrictTransportSecurity?.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(365 * 24 * 3600);
    expect(headers.StrictTransportSecurity?.IncludeSubdomains).toBe(true);
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    }
  });

  it('puts the API behind the same distribution on exactly the route table’s paths, never cached, all methods', () => {
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern as string).sort();
    expect(patterns).toEqual(apiPathPatterns(DEPLOYED_ROUTES));
    expect(patterns).toEqual(['/contracts', '/contracts/*', '/openapi.json']);
    for (const route of DEPLOYED_ROUTES) {
      const concrete = route.path.replace(/\{[^}]+\}/g, 'x');
      expect(
        patterns.some((p) => matches(p, concrete)),
        route.path,
      ).toBe(true);
    }
    const apiOrigin = config.Origins.find((o) => o.CustomOriginConfig !== undefined);
    expect(render(apiOrigin?.DomainName)).toBe(
      `<Ref:${idOf(stateless.api)}>.execute-api.<Ref:AWS::Region>.<Ref:AWS::URLSuffix>`,
    );
    expect(apiOrigin?.CustomOriginConfig).toEqual({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    for (const behavior of config.CacheBehaviors) {
      expect(behavior).toMatchObject({
        TargetOriginId: apiOrigin?.Id,
        CachePolicyId: cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      });
      expect(behavior.FunctionAssociations).toBeUndefined();
    }
    // No console page address reaches the API.
    expect(PAGES.length).toBeGreaterThan(10);
    for (const page of PAGES)
      expect(
        patterns.filter((p) => matches(p, page)),
        page,
      ).toEqual([]);
  });

  it('serves index.html for every console page by a viewer-request function, and masks no error', () => {
    const [functionId, fn] = one('AWS::CloudFront::Function');
    expect(fn.Properties.FunctionCode).toBe(SPA_FUNCTION_CODE);
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    expect(config.CustomErrorResponses).toBeUndefined();
    const handler = new Function(`${SPA_FUNCTION_CODE}; return handler;`)() as (e: { request: { uri: string } }) => {
      uri: string;
    };
    const uriFor = (uri: string) => handler({ request: { uri } }).uri;
    for (const page of [...PAGES, '/c/x/payments/3', '/operator/due', '/keys', '/sign-in', '/auth/callback']) {
      expect(uriFor(page), page).toBe('/index.html');
    }
    expect(uriFor('/assets/main-ABC123.js')).toBe('/assets/main-ABC123.js');
    expect(uriFor('/config.json')).toBe('/config.json');
  });

  it('gives the Cognito client the code flow (public, PKCE) returning to the console, its scopes and contracts', () => {
    const [, client] = one('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(client.Properties.ReadAttributes).toContain('custom:contracts');
    expect((client.Properties.CallbackURLs as unknown[]).map(render)).toEqual([`${consoleOrigin}/auth/callback`]);
    expect((client.Properties.LogoutURLs as unknown[]).map(render)).toEqual([`${consoleOrigin}/sign-in`]);
    const [, domain] = one('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toMatchObject({ Domain: 'sib-test', ManagedLoginVersion: 2 });
    // Managed login serves the client's pages only with a style assigned (Cognito's own).
    const [, branding] = one('AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties).toMatchObject({
      ClientId: { Ref: idOf(stateless.userPoolClient) },
      UseCognitoProvidedValues: true,
    });
  });

  it('lets the console’s origin only PUT to the uploads bucket, with the headers a presigned PUT signs', () => {
    const [, cors] = one('Custom::UploadsCors');
    const create = JSON.parse(render(cors.Properties.Create)) as {
      action: string;
      parameters: { Bucket: string; CORSConfiguration: { CORSRules: Record<string, unknown>[] } };
    };
    expect(create.action).toBe('putBucketCors');
    expect(create.parameters.Bucket).toMatch(/^<Import:SibLedger-dev-Stateful:ExportsOutputRefuploadsBucket\w+>$/);
    expect(create.parameters.CORSConfiguration.CORSRules).toEqual([
      {
        AllowedMethods: ['PUT'],
        AllowedOrigins: [consoleOrigin],
        AllowedHeaders: ['content-type', 'content-md5', 'x-amz-*'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 3000,
      },
    ]);
    expect(render(cors.Properties.Update)).toBe(render(cors.Properties.Create));
    // Its function may set the CORS rule of that bucket and nothing else.
    const statements = ofType('AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('UploadsCors'))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('s3:PutBucketCORS');
    expect(render(statements[0]?.Resource)).toMatch(
      /^<Import:SibLedger-dev-Stateful:ExportsOutputFnGetAttuploadsBucket\w+Arn\w+>$/,
    );
  });

  it('deploys config.json as the console reads it: Cognito’s hosted UI, issuer, client and the console’s URLs', () => {
    const deployments = ofType('Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    const shell = deployments.find(([id]) => id.startsWith('ConsoleDeployShell'))?.[1] as Resource;
    const assets = deployments.find(([id]) => id.startsWith('ConsoleDeployAssets'))?.[1] as Resource;
    expect(shell.Properties).toMatchObject({
      SystemMetadata: { 'cache-control': NO_CACHE },
      Prune: false,
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/', '/index.html', '/config.json'],
    });
    expect(assets.Properties).toMatchObject({
      SystemMetadata: { 'cache-control': IMMUTABLE },
      DestinationBucketKeyPrefix: 'assets/',
      Prune: false,
    });
    // config.json: the staged file with its markers, which the deployment replaces by the values.
    const keys = shell.Properties.SourceObjectKeys as string[];
    const markers = shell.Properties.SourceMarkers as Record<string, unknown>[];
    const index = markers.findIndex((m) => Object.keys(m).length > 0);
    const staged = readFileSync(
      join(outdir, `asset.${(keys[index] as string).replace(/\.zip$/, '')}`, 'config.json'),
      'utf8',
    );
    const text = Object.entries(markers[index] as Record<string, unknown>).reduce(
      (t, [marker, value]) => t.replaceAll(marker, render(value)),
      staged,
    );
    const deployed = JSON.parse(text) as ConsoleConfig;
    const userPoolId = idOf(stateless.userPool);
    expect(deployed).toEqual({
      apiBase: '',
      auth: {
        mode: 'cognito',
        domain: `https://<Ref:${idOf(stateless.userPoolDomain)}>.auth.<Ref:AWS::Region>.amazoncognito.com`,
        issuer: `<GetAtt:${userPoolId}.ProviderURL>`,
        clientId: `<Ref:${idOf(stateless.userPoolClient)}>`,
        redirectUri: `${consoleOrigin}/auth/callback`,
        logoutUri: `${consoleOrigin}/sign-in`,
        scopes: ['openid', 'email', 'profile'],
      },
    } satisfies ConsoleConfig);
    expect(Object.keys(deployed.auth).sort()).toEqual(
      ['mode', 'domain', 'issuer', 'clientId', 'redirectUri', 'logoutUri', 'scopes'].sort(),
    );
  });

  it('lets CDK’s deployment function write the console bucket and read the CDK assets only', () => {
    const statements = ofType('AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('CustomCDKBucketDeployment'))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const resources = [statement.Resource].flat().map(render);
      for (const resource of resources) {
        if (resource === '*') {
          expect([statement.Action].flat().every((a) => String(a).startsWith('cloudfront:'))).toBe(true);
        } else {
          expect(resource).toMatch(
            new RegExp(`^(<GetAtt:${bucketId}\\.Arn>(/\\*)?|arn:<Ref:AWS::Partition>:s3:::cdk-hnb659fds-assets-.*)$`),
          );
        }
      }
    }
  });

  it('tells where the console is', () => {
    expect(render(json.Outputs.ConsoleUrl?.Value)).toBe(consoleOrigin);
    expect(json.Outputs.ConsoleDistributionId?.Value).toEqual({ Ref: distributionId });
    expect(json.Outputs.ConsoleBucketName?.Value).toEqual({ Ref: bucketId });
    expect(render(json.Outputs.CognitoDomain?.Value)).toContain('.amazoncognito.com');
  });
});

describe('the console on AWS with its own domain and sign-in URLs (context)', () => {
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab';
  const { stateless, json, one } = synth({
    stage: 'prod',
    consoleDomain: 'console.sib.example.org',
    consoleCertificateArn: certificateArn,
    consoleCallbackUrls: 'https://console.sib.example.org/auth/callback, http://localhost:8765/callback',
    consoleLogoutUrls: 'https://console.sib.example.org/sign-in',
  });
  const [, distribution] = one('AWS::CloudFront::Distribution');
  const config = distribution.Properties.DistributionConfig as Record<string, unknown>;

  it('serves the domain with its certificate, TLS 1.2 at least', () => {
    expect(config.Aliases).toEqual(['console.sib.example.org']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: certificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(render(json.Outputs.ConsoleUrl?.Value)).toBe('https://console.sib.example.org');
    // cdk-nag's TLS rule then passes on its own: nothing is acknowledged for it.
    const acknowledged = stateless.console.distribution.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, unknown>));
    expect(acknowledged.some((id) => id.includes('AwsSolutions-CFR4'))).toBe(false);
    expect(acknowledged.some((id) => id.includes('AwsSolutions-CFR2'))).toBe(true);
  });

  it('takes the callback and logout URLs from the context, and allows CORS from the domain', () => {
    const [, client] = one('AWS::Cognito::UserPoolClient');
    expect(client.Properties.CallbackURLs).toEqual([
      'https://console.sib.example.org/auth/callback',
      'http://localhost:8765/callback',
    ]);
    expect(client.Properties.LogoutURLs).toEqual(['https://console.sib.example.org/sign-in']);
    const [, cors] = one('Custom::UploadsCors');
    expect(render(cors.Properties.Create)).toContain('"AllowedOrigins":["https://console.sib.example.org"]');
  });

  it.each([
    [{ consoleDomain: 'console.example.org' }, /"consoleDomain" and "consoleCertificateArn" go together/],
    [{ consoleCertificateArn: certificateArn }, /"consoleDomain" and "consoleCertificateArn" go together/],
    [
      { consoleDomain: 'Console Example', consoleCertificateArn: certificateArn },
      /"consoleDomain" must be a lower-case host name/,
    ],
    [
      {
        consoleDomain: 'console.example.org',
        consoleCertificateArn: certificateArn.replace('us-east-1', 'eu-central-1'),
      },
      /"consoleCertificateArn" must be an ACM certificate ARN in us-east-1/,
    ],
    [
      { consoleCallbackUrls: 'http://console.example.org/auth/callback' },
      /"consoleCallbackUrls" must be comma-separated https:\/\/ URLs/,
    ],
    [{ consoleLogoutUrls: 'not a url' }, /"consoleLogoutUrls" must be comma-separated https:\/\/ URLs/],
  ])('refuses bad context %o', (context, message) => {
    const app = new App({ context: { [SKIP_BUNDLING_CONTEXT]: true, ...context } });
    expect(() => buildApp(app)).toThrow(message);
  });
});

describe('ConsoleHosting.deploy with a build', () => {
  it('deploys the hashed assets immutable under assets/, and index.html (without the assets) no-cache', () => {
    // Prepare: a build as console/build.ts lays it out.
    const build = mkdtempSync(join(tmpdir(), 'sib-console-build-'));
    dirs.push(build);
    mkdirSync(join(build, 'assets'));
    writeFileSync(
      join(build, 'index.html'),
      '<!doctype html><script type="module" src="/assets/main-AB12.js"></script>',
    );
    writeFileSync(join(build, 'assets', 'main-AB12.js'), 'export {};');
    const outdir = mkdtempSync(join(tmpdir(), 'sib-cdk-console-build-'));
    dirs.push(outdir);
    const app = new App({ outdir });
    const stack = new Stack(app, 'Console');
    const hosting = new ConsoleHosting(stack, 'Console', {
      stage: 'dev',
      api: new apigw.HttpApi(stack, 'Api'),
      routes: DEPLOYED_ROUTES,
      connect: [],
    });

    // Act
    hosting.deploy({ apiBase: '', auth: { mode: 'local' } }, { dir: build });
    const template = Template.fromStack(stack);

    // Assess
    const deployments = template.findResources('Custom::CDKBucketDeployment') as Record<string, Resource>;
    const staged = (id: string) => {
      const key = Object.keys(deployments).find((k) => k.startsWith(id));
      const sources = deployments[key ?? '']?.Properties.SourceObjectKeys as string[] | undefined;
      return (sources ?? []).map((zip) => join(outdir, `asset.${zip.replace(/\.zip$/, '')}`));
    };
    const [assetsDir] = staged('ConsoleDeployAssets');
    expect(readFileSync(join(assetsDir as string, 'main-AB12.js'), 'utf8')).toBe('export {};');
    const [shellDir, configDir] = staged('ConsoleDeployShell');
    expect(readFileSync(join(shellDir as string, 'index.html'), 'utf8')).toContain('/assets/main-AB12.js');
    expect(() => readFileSync(join(shellDir as string, 'assets', 'main-AB12.js'))).toThrow();
    expect(JSON.parse(readFileSync(join(configDir as string, 'config.json'), 'utf8'))).toEqual({
      apiBase: '',
      auth: { mode: 'local' },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'assets/',
      SystemMetadata: { 'cache-control': IMMUTABLE },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      SystemMetadata: { 'cache-control': NO_CACHE },
      DistributionPaths: Match.arrayWith(['/index.html', '/config.json']),
    });
  });
});
