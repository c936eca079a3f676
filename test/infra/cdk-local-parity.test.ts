/**
 * The local stack (infra/local) against the synthesized CDK stacks: tables,
 * indexes, buckets and routes are read from a running local stack (`stack up`
 * on free ports, DynamoDB Local + s3rver, and the local gateway) and compared
 * with the CloudFormation templates, so the local default and the cloud
 * cannot drift apart. The stateless stack is wired to the stateful stack's
 * resources, as the app wires them; bundling is skipped (no esbuild, no AWS).
 * The gateway runs the real routing and token check with a stub handler, so
 * what it routes where is observed without running the handlers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  ListTablesCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { buckets, type StackConfig, tables } from '../../functions/adapters/storage-layout.ts';
import { DEPLOYED_ROUTES, type HandlerModule, ROUTES, routeKey } from '../../functions/api/routes.ts';
import { statefulResources as resourcesOfStateful } from '../../infra/app.ts';
import {
  type FunctionModule,
  HandlerFunction,
  SKIP_BUNDLING_CONTEXT,
} from '../../infra/constructs/handler-function.ts';
import { type AccessLogEntry, type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { freePorts } from '../../infra/local/processes.ts';
import { clientConfig, stackDown, stackUp } from '../../infra/local/stack.ts';
import { type Stage, StatefulStack } from '../../infra/stacks/stateful-stack.ts';
import { StatelessStack } from '../../infra/stacks/stateless-stack.ts';
import { saveEnv } from '../support/http.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

function synth(stage: Stage) {
  const app = new App({ context: { [SKIP_BUNDLING_CONTEXT]: true } });
  const stateful = new StatefulStack(app, 'Stateful', { stage, reportRetentionDays: 30, archiveRetentionDays: 30 });
  const stateless = new StatelessStack(app, 'Stateless', resourcesOfStateful(stateful));
  const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, Resource>;
  const statefulResources = resourcesOf(Template.fromStack(stateful));
  const statelessResources = resourcesOf(Template.fromStack(stateless));
  const ofType = (resources: Record<string, Resource>, type: string) =>
    Object.entries(resources).filter(([, r]) => r.Type === type);
  // The module each cloud function runs (several functions may run one module).
  const moduleOfFunction = new Map(
    stateless.node
      .findAll()
      .filter((c): c is HandlerFunction => c instanceof HandlerFunction)
      .map((c) => [stateless.getLogicalId(c.function.node.defaultChild as CfnElement), c.module] as const),
  );
  return { statefulResources, statelessResources, ofType, moduleOfFunction };
}

/** A table's shape, in one form for DescribeTable and for the template. */
interface TableShape {
  readonly keySchema: readonly string[];
  readonly attributes: readonly string[];
  readonly indexes: readonly { name: string; keySchema: readonly string[]; projection: string | undefined }[];
  readonly billingMode: string | undefined;
}

type Key = { AttributeName?: string; KeyType?: string };
type Attribute = { AttributeName?: string; AttributeType?: string };
type Index = { IndexName?: string; KeySchema?: Key[]; Projection?: { ProjectionType?: string } };

/** Key schemas keep their order (HASH, then RANGE); attributes and indexes are sets. */
function shapeOf(table: {
  KeySchema?: Key[];
  AttributeDefinitions?: Attribute[];
  GlobalSecondaryIndexes?: Index[];
  BillingMode?: string;
}): TableShape {
  const keys = (schema: Key[] | undefined) => (schema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`);
  return {
    keySchema: keys(table.KeySchema),
    attributes: (table.AttributeDefinitions ?? []).map((a) => `${a.AttributeName} ${a.AttributeType}`).sort(),
    indexes: (table.GlobalSecondaryIndexes ?? [])
      .map((i) => ({ name: i.IndexName ?? '', keySchema: keys(i.KeySchema), projection: i.Projection?.ProjectionType }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    billingMode: table.BillingMode,
  };
}

const localShape = (table: TableDescription) =>
  shapeOf({
    KeySchema: table.KeySchema as KeySchemaElement[] | undefined,
    AttributeDefinitions: table.AttributeDefinitions,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
    BillingMode: table.BillingModeSummary?.BillingMode,
  });

/** A concrete path for a route path: each `{param}` filled with a dummy value. */
const concrete = (path: string) => path.replace(/\{([^}]+)\}/g, (_, name: string) => `p-${name}`);
const pathOf = (key: string) => key.slice(key.indexOf(' ') + 1);
const sorted = (values: Iterable<string>) => [...values].sort();

/** Every method API Gateway's HTTP API can route; the local gateway must route exactly the template's. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

interface Probe {
  readonly status: number;
  readonly contentType: string | null;
  readonly wwwAuthenticate: string | null;
  /** The route the gateway matched (its access log), if any. */
  readonly routeKey: string | undefined;
  /** The handler module the gateway gave the request to, if any. */
  readonly module: HandlerModule | undefined;
}

const saved = saveEnv(['SIB_DATA_DIR']);
let dataDir: string;
let local: StackConfig;
let gateway: Gateway;
let token: string;
let dynamo: DynamoDBClient;
let s3: S3Client;
const accessLog = new Map<string, AccessLogEntry>();

/** One request without a body; `authorized` sends a valid local token (any role: roles are the handlers' business). */
async function probe(method: string, path: string, authorized: boolean): Promise<Probe> {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: authorized ? { authorization: `Bearer ${token}` } : {},
  });
  await res.arrayBuffer();
  const requestId = res.headers.get('x-request-id') ?? '';
  // The access log line is written right after the answer; wait for it.
  for (let i = 0; i < 100 && !accessLog.has(requestId); i++) await new Promise((done) => setTimeout(done, 5));
  const entry = accessLog.get(requestId);
  if (!entry) throw new Error(`no access log entry for ${method} ${path}`);
  const module = res.headers.get('x-stub-module');
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    wwwAuthenticate: res.headers.get('www-authenticate'),
    routeKey: entry.routeKey,
    module: module === null ? undefined : (module as HandlerModule),
  };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sib-parity-'));
  const [dynamoPort, s3Port] = (await freePorts(2)) as [number, number];
  local = (await stackUp({ dataDir, dynamoPort, s3Port })).stack;
  dynamo = new DynamoDBClient(clientConfig(local));
  s3 = new S3Client(clientConfig(local, 's3'));
  gateway = await startGateway({
    dataDir,
    port: 0,
    // The gateway's own routing and token check run; the handler only says which module it is.
    loadHandler: async (module) => async (event: APIGatewayProxyEventV2) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-stub-module': module },
      body: JSON.stringify({ routeKey: event.routeKey }),
    }),
    onRequest: (entry) => accessLog.set(entry.requestId, entry),
  });
  token = (await issueToken({ dataDir, sub: 'parity-1', role: 'operator', contracts: '*' })).token;
});

afterAll(async () => {
  await gateway?.close();
  dynamo?.destroy();
  s3?.destroy();
  try {
    if (dataDir) await stackDown(dataDir);
  } finally {
    saved.restore();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
});

describe.each(['dev', 'prod'] as const)('the local stack against the CDK templates (%s)', (stage) => {
  const { statefulResources, statelessResources, ofType, moduleOfFunction } = synth(stage);

  describe('tables', () => {
    const cloudTables = ofType(statefulResources, 'AWS::DynamoDB::Table');

    it('the template and the local stack have the same tables, one per definition', async () => {
      const listed = await dynamo.send(new ListTablesCommand({}));
      expect(sorted(listed.TableNames ?? [])).toEqual(sorted(tables.map((def) => def.localName)));
      expect(sorted(Object.values(local.tables))).toEqual(sorted(listed.TableNames ?? []));
      expect(cloudTables).toHaveLength(listed.TableNames?.length ?? -1);
      for (const [logicalId] of cloudTables) {
        expect(
          tables.filter((def) => logicalId.startsWith(`${def.id}Table`)),
          logicalId,
        ).toHaveLength(1);
      }
      expect(ofType(statelessResources, 'AWS::DynamoDB::Table')).toEqual([]);
    });

    it.each(tables)('$id: keys, attributes, indexes and billing mode are the same', async (def) => {
      const matches = cloudTables.filter(([logicalId]) => logicalId.startsWith(`${def.id}Table`));
      expect(matches).toHaveLength(1);
      const [, cloud] = matches[0] as [string, Resource];
      const described = await dynamo.send(new DescribeTableCommand({ TableName: local.tables[def.id] }));
      const live = localShape(described.Table ?? {});
      const template = shapeOf(cloud.Properties);

      expect(live).toEqual(template);
      expect(live.billingMode).toBe('PAY_PER_REQUEST');
      expect(live.indexes.map((i) => i.name)).toEqual(sorted(def.globalSecondaryIndexes.map((i) => i.indexName)));
    });
  });

  describe('buckets', () => {
    const cloudBuckets = ofType(statefulResources, 'AWS::S3::Bucket');

    it('the local stack has exactly the defined buckets', async () => {
      const listed = await s3.send(new ListBucketsCommand({}));
      const names = (listed.Buckets ?? []).map((b) => b.Name ?? '');
      expect(sorted(names)).toEqual(sorted(buckets.map((def) => def.localName)));
      expect(sorted(Object.values(local.buckets))).toEqual(sorted(names));
    });

    it('the template has one data bucket per definition plus the access-logs bucket, and nothing else', () => {
      // The stateless stack's only buckets are the web console's build and its logs (no data).
      expect(cloudBuckets).toHaveLength(buckets.length + 1);
      const prefixes = [...buckets.map((def) => `${def.id}Bucket`), 'AccessLogsBucket'];
      for (const [logicalId] of cloudBuckets) {
        expect(
          prefixes.filter((prefix) => logicalId.startsWith(prefix)),
          logicalId,
        ).toHaveLength(1);
      }
      expect(
        ofType(statelessResources, 'AWS::S3::Bucket')
          .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
          .sort(),
      ).toEqual(['ConsoleBucket', 'ConsoleLogs']);
    });

    it.each(buckets)('$id: versioned unless transient, with Object Lock exactly where the definition asks', (def) => {
      const matches = cloudBuckets.filter(([logicalId]) => logicalId.startsWith(`${def.id}Bucket`));
      expect(matches).toHaveLength(1);
      const [, cloud] = matches[0] as [string, Resource];
      expect(cloud.Properties.VersioningConfiguration).toEqual(
        def.expireDays === undefined ? { Status: 'Enabled' } : undefined,
      );
      expect(cloud.Properties.ObjectLockEnabled === true).toBe(def.objectLock);
      expect(cloud.Properties.ObjectLockConfiguration !== undefined).toBe(def.objectLock);
    });
  });

  describe('routes', () => {
    const cloudRoutes = ofType(statelessResources, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const cloudKeys = new Set(cloudRoutes.map((r) => r.RouteKey as string));
    const authorizationOf = new Map(cloudRoutes.map((r) => [r.RouteKey as string, r.AuthorizationType as string]));
    /** The handler module behind each template route: route -> integration -> function. */
    const cloudModuleOf = (key: string): FunctionModule | undefined => {
      // Target: { 'Fn::Join': ['', ['integrations/', { Ref: <integration> }]] }
      const target = cloudRoutes.find((r) => r.RouteKey === key)?.Target as
        | { 'Fn::Join'?: [string, unknown[]] }
        | undefined;
      const parts = target?.['Fn::Join']?.[1] ?? [];
      const joined = parts.map((part) => (typeof part === 'string' ? part : (part as { Ref?: string }).Ref)).join('');
      const integrationId = /^integrations\/(.+)$/.exec(joined)?.[1] ?? '';
      const uri = statelessResources[integrationId]?.Properties.IntegrationUri as
        | { 'Fn::GetAtt'?: [string, string] }
        | undefined;
      return moduleOfFunction.get(uri?.['Fn::GetAtt']?.[0] ?? '');
    };

    it('the template has one route per route key, with no duplicates', () => {
      expect(cloudRoutes.length).toBeGreaterThan(0);
      expect(cloudKeys.size).toBe(cloudRoutes.length);
    });

    it('the gateway routes exactly the template route keys (every method, every known path)', async () => {
      // Prepare: every path either side knows, with every method.
      const paths = new Set([...[...cloudKeys].map(pathOf), ...DEPLOYED_ROUTES.map((r) => r.path)]);
      const routed = new Set<string>();
      // Act
      for (const path of paths) {
        for (const method of METHODS) {
          const reply = await probe(method, concrete(path), true);
          // Assess
          const key = `${method} ${path}`;
          if (cloudKeys.has(key)) {
            expect(reply.routeKey, key).toBe(key);
            expect(reply.status, key).toBe(200);
          } else {
            expect(reply.routeKey, key).toBeUndefined();
            expect(reply.status, key).toBe(405);
          }
          if (reply.routeKey !== undefined) routed.add(reply.routeKey);
        }
      }
      expect(sorted(routed)).toEqual(sorted(cloudKeys));
    });

    it("routes the local gateway's own routes (the development sign-in), which the template leaves out", async () => {
      for (const route of ROUTES.filter((r) => r.localOnly === true)) {
        expect(cloudKeys.has(routeKey(route)), route.id).toBe(false);
        const reply = await probe(route.method, route.path, true);
        expect(reply.routeKey, route.id).toBe(routeKey(route));
      }
    });

    it('a path outside the template is not found, and a method it lacks is not allowed', async () => {
      for (const path of ['/nope', '/contracts/p-contract/nope', '/contracts/p-contract/batches/p-batch/extra']) {
        const reply = await probe('GET', path, true);
        expect(reply.status, path).toBe(404);
        expect(reply.contentType).toBe('application/problem+json');
        expect(reply.routeKey).toBeUndefined();
      }
      expect(cloudKeys.has('DELETE /contracts/{contract}')).toBe(false);
      const reply = await probe('DELETE', '/contracts/p-contract', true);
      expect(reply.status).toBe(405);
      expect(reply.contentType).toBe('application/problem+json');
      expect(reply.routeKey).toBeUndefined();
    });

    it('the template routes without an authorizer are exactly the public routes of the table', () => {
      const open = cloudRoutes.filter((r) => r.AuthorizationType === 'NONE').map((r) => r.RouteKey as string);
      const jwt = cloudRoutes.filter((r) => r.AuthorizationType === 'JWT').map((r) => r.RouteKey as string);
      expect(sorted(open)).toEqual(sorted(DEPLOYED_ROUTES.filter((r) => r.roles === 'public').map(routeKey)));
      expect(sorted(jwt)).toEqual(sorted(DEPLOYED_ROUTES.filter((r) => r.roles !== 'public').map(routeKey)));
      expect(open.length + jwt.length).toBe(cloudRoutes.length);
    });

    it('without a token the gateway refuses exactly the template routes that have an authorizer', async () => {
      for (const key of cloudKeys) {
        const method = key.slice(0, key.indexOf(' '));
        const reply = await probe(method, concrete(pathOf(key)), false);
        expect(reply.routeKey, key).toBe(key);
        if (authorizationOf.get(key) === 'NONE') {
          expect(reply.status, key).toBe(200);
        } else {
          expect(authorizationOf.get(key), key).toBe('JWT');
          expect(reply.status, key).toBe(401);
          expect(reply.wwwAuthenticate, key).toMatch(/^Bearer/);
          expect(reply.module, key).toBeUndefined();
        }
      }
    });

    it('the gateway hands each route to the handler module the template integrates it with', async () => {
      for (const key of cloudKeys) {
        const method = key.slice(0, key.indexOf(' '));
        const reply = await probe(method, concrete(pathOf(key)), true);
        expect(reply.module, key).toBeDefined();
        expect(reply.module, key).toBe(cloudModuleOf(key));
      }
    });
  });
});
