/**
 * The web console on AWS: a private S3 bucket (no public access, no website
 * hosting, TLS only) behind a CloudFront distribution that reads it through
 * origin access control, answers HTTPS only and sends the console's security
 * headers (functions/shared/console-headers.ts, the constants the local
 * gateway sends too). The HTTP API is a second origin of the same
 * distribution, so the console calls it on its own origin: no CORS. A
 * CloudFront Function gives every console page address index.html (the
 * console's own router), leaving the API's answers, errors included, as
 * they are.
 *
 * `deploy()` puts the build in the bucket: hashed assets cached for good,
 * index.html and config.json revalidated every time (console/build.ts names
 * the assets by content hash).
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { ConsoleConfig } from '../../console/src/lib/config.ts';
import type { RouteDef } from '../../functions/api/routes.ts';
import { CONSOLE_SECURITY_HEADERS, consoleCsp, IMMUTABLE, NO_CACHE } from '../../functions/shared/console-headers.ts';
import type { Stage } from './handler-function.ts';

/** Where console/build.ts puts the hashed files; everything else of the build is index.html. */
export const ASSETS_PREFIX = '/assets/';
/** The console's settings (console/src/lib/config.ts), deployed beside index.html. */
export const CONFIG_PATH = '/config.json';
/** HSTS: two years (at least one is what browsers' preload lists ask for). */
export const HSTS_MAX_AGE = Duration.days(730);

/**
 * The viewer-request function of the bucket's behaviour: any address that is
 * neither an asset nor the settings is a page of the console's router and
 * gets index.html. The API's paths never reach it (their behaviours match
 * first), so an API error stays an API error.
 */
export const SPA_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf(${JSON.stringify(ASSETS_PREFIX)}) === 0 || uri === ${JSON.stringify(CONFIG_PATH)}) return request;
  request.uri = '/index.html';
  return request;
}
`;

/**
 * The distribution's path patterns of the API, from the route table: per
 * first path segment, the segment itself when a route is exactly it, and
 * everything under it when a route is deeper.
 */
export function apiPathPatterns(routes: readonly RouteDef[]): string[] {
  const patterns = new Set<string>();
  for (const { path } of routes) {
    const [, first = '', ...rest] = path.split('/');
    if (first === '' || first.includes('{')) throw new Error(`route ${path}: its first segment must be a literal`);
    patterns.add(rest.length === 0 ? `/${first}` : `/${first}/*`);
  }
  return [...patterns].sort();
}

/** The CloudFront value of a header the local gateway sends, or an error naming the header (the two must not drift). */
function headerValue<T extends string>(name: string, allowed: readonly T[]): T {
  const value = CONSOLE_SECURITY_HEADERS[name];
  const found = allowed.find((a) => a.toLowerCase() === value?.toLowerCase());
  if (found === undefined) throw new Error(`console header ${name}: ${value} has no CloudFront equivalent`);
  return found;
}

export interface ConsoleHostingProps {
  readonly stage: Stage;
  /** The HTTP API: the second origin, behind `routes`' paths. */
  readonly api: apigw.IHttpApi;
  /** The deployed routes (functions/api/routes.ts DEPLOYED_ROUTES). */
  readonly routes: readonly RouteDef[];
  /** Origins the pages call beyond their own (CSP connect-src): the hosted UI, the evidence bucket. */
  readonly connect: readonly string[];
  /** A custom domain and its certificate (ACM, us-east-1); default the distribution's own domain. */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
}

export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  /** CloudFront's standard logs of the distribution (and the bucket's server access logs). */
  readonly logsBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headers: cloudfront.ResponseHeadersPolicy;
  readonly spaFunction: cloudfront.Function;
  /** `https://<host>`: the console's origin. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    // Server access logs are granted by the target's bucket policy, not an ACL (set before any child exists).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const prod = props.stage === 'prod';
    this.logsBucket = new s3.Bucket(this, 'Logs', {
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are delivered with an ACL: the bucket must accept the writer's ownership.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ expiration: Duration.days(prod ? 365 : 30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is itself the target of the console’s access logs (CloudFront and the console bucket).',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'bucket/',
      // The build is reproducible from the repository; nothing else lives here.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.headers = this.#headersPolicy(props.connect);
    this.spaFunction = new cloudfront.Function(this, 'SpaPages', {
      comment: 'Console page addresses serve index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(SPA_FUNCTION_CODE),
    });
    this.distribution = this.#distribution(props);
    this.origin = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
  }

  /** The console's security headers, from the constants the local gateway sends, plus HSTS (HTTPS only here). */
  #headersPolicy(connect: readonly string[]): cloudfront.ResponseHeadersPolicy {
    if (CONSOLE_SECURITY_HEADERS['x-content-type-options'] !== 'nosniff') {
      throw new Error('console header x-content-type-options: CloudFront can only send nosniff');
    }
    return new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'sib-ledger console: CSP, HSTS, no framing, no referrer, nosniff',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(connect), override: true },
        strictTransportSecurity: { accessControlMaxAge: HSTS_MAX_AGE, includeSubdomains: true, override: true },
        frameOptions: {
          frameOption: headerValue('x-frame-options', Object.values(cloudfront.HeadersFrameOption)),
          override: true,
        },
        referrerPolicy: {
          referrerPolicy: headerValue('referrer-policy', Object.values(cloudfront.HeadersReferrerPolicy)),
          override: true,
        },
        contentTypeOptions: { override: true },
      },
    });
  }

  #distribution(props: ConsoleHostingProps): cloudfront.Distribution {
    const api = new origins.HttpOrigin(`${props.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    // Never cached; every method; the viewer's headers (Authorization) and query strings reach the API.
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: api,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.headers,
    };
    const domain = props.domain;
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `sib-ledger ${props.stage}: web console and API`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        functionAssociations: [{ function: this.spaFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(apiPathPatterns(props.routes).map((p) => [p, apiBehavior])),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
      ...(domain === undefined
        ? {}
        : {
            domainNames: [domain.name],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }),
    });
    if (domain === undefined) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without context consoleDomain/consoleCertificateArn the console uses CloudFront’s default certificate, whose policy CloudFront fixes; with them, TLSv1.2_2021 is the minimum.',
      });
    }
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The console and API serve their users wherever they are; access is by Cognito sign-in, not by country.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF by default: every API route but /openapi.json needs a Cognito token, and the API stage is throttled; a web ACL can be attached per deployment.',
    });
    return distribution;
  }

  /**
   * The build in the bucket: `dir`'s assets (immutable, old ones kept for
   * tabs still running an older index.html), then index.html and
   * config.json (no-cache), and an invalidation of those two. `stub`: a
   * placeholder page instead of a build (template tests).
   */
  deploy(config: ConsoleConfig, build: { dir: string } | { stub: true }): void {
    const assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      sources: [
        'dir' in build
          ? s3deploy.Source.asset(`${build.dir}${ASSETS_PREFIX}`)
          : s3deploy.Source.data('stub.js', 'export {};\n'),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: ASSETS_PREFIX.slice(1),
      cacheControl: [s3deploy.CacheControl.fromString(IMMUTABLE)],
      prune: false,
    });
    const shell = new s3deploy.BucketDeployment(this, 'DeployShell', {
      sources: [
        'dir' in build
          ? s3deploy.Source.asset(build.dir, { exclude: ['assets', 'assets/**'] })
          : s3deploy.Source.data('index.html', '<!doctype html><title>sib-ledger console (stub)</title>\n'),
        s3deploy.Source.jsonData(CONFIG_PATH.slice(1), config),
      ],
      destinationBucket: this.bucket,
      cacheControl: [s3deploy.CacheControl.fromString(NO_CACHE)],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', CONFIG_PATH],
    });
    shell.node.addDependency(assets);
    this.#acknowledgeDeployment();
  }

  /**
   * cdk-nag findings on the role of CDK's BucketDeployment custom resource
   * (aws-cdk-lib internal; it runs only at deployment), one finding at a time.
   */
  #acknowledgeDeployment(): void {
    const stack = Stack.of(this);
    const bucket = stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    const grants: readonly [string, string][] = [
      ['Action::s3:GetObject*', 'reads the build from the CDK asset bucket'],
      ['Action::s3:GetBucket*', 'reads the asset and console buckets’ settings to sync'],
      ['Action::s3:List*', 'lists the asset and console buckets to sync'],
      ['Action::s3:DeleteObject*', 'may replace objects of the console bucket (prune is off)'],
      ['Action::s3:Abort*', 'aborts its own multipart uploads to the console bucket'],
      [
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        'reads the build’s zip from the CDK bootstrap asset bucket, whose keys are content hashes',
      ],
      [`Resource::<${bucket}.Arn>/*`, 'writes every object of the console bucket, which holds the build only'],
      ['Resource::*', 'creates the CloudFront invalidation of index.html and config.json (CDK grants it on *)'],
    ];
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      Validations.of(child).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "CDK's BucketDeployment custom resource (aws-cdk-lib internal) uses AWSLambdaBasicExecutionRole for its own logs; it runs only at deployment.",
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            "CDK's BucketDeployment custom resource (aws-cdk-lib internal) pins the Lambda runtime its bundled AWS CLI needs; it runs only at deployment.",
        },
        ...grants.map(([finding, why]) => ({
          id: `AwsSolutions-IAM5[${finding}]`,
          reason: `CDK's BucketDeployment custom resource (aws-cdk-lib internal) ${why}; it runs only at deployment.`,
        })),
      );
    }
  }
}
