/**
 * The CDK stateless stack, synthesized in-process with bundling skipped (no
 * esbuild, no AWS). The stand-in tables, buckets and keys live in a helper
 * stack, as the stateful stack's do in the app. Expectations are derived from
 * functions/api/routes.ts, the stack's FUNCTIONS table and
 * functions/adapters/storage-layout.ts; one group of assertions per concern.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { HEAD_ATTRIBUTES } from '../../functions/adapters/storage-layout.ts';
import { DEPLOYED_ROUTES, ROUTES, routeKey } from '../../functions/api/routes.ts';
import { FUNCTION_MODULES, SKIP_BUNDLING_CONTEXT } from '../../infra/constructs/handler-function.ts';
import {
  FUNCTIONS,
  type FunctionName,
  functionOfRoute,
  GROUPS,
  StatelessStack,
  type StatelessStackProps,
} from '../../infra/stacks/stateless-stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Statement = {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

function synth(stage: 'dev' | 'prod', extra: Partial<StatelessStackProps> = {}) {
  const app = new App({ context: { [SKIP_BUNDLING_CONTEXT]: true } });
  const data = new Stack(app, 'Data');
  const table = (id: string) =>
    new dynamodb.Table(data, id, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    });
  const ledgerTable = table('Ledger');
  const recordsTable = table('Records');
  const archiveBucket = new s3.Bucket(data, 'Archive');
  const reportsBucket = new s3.Bucket(data, 'Reports');
  const uploadsBucket = new s3.Bucket(data, 'Uploads');
  const stack = new StatelessStack(app, 'Stateless', {
    stage,
    ledgerTable,
    recordsTable,
    archiveBucket,
    reportsBucket,
    uploadsBucket,
    signingKey: new kms.Key(data, 'Signing', {
      keySpec: kms.KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
    }),
    pseudonymKey: new kms.Key(data, 'Pseudonym', {
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    }),
    dataKey: new kms.Key(data, 'Data'),
    ...extra,
  });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  /** How the stand-in resources appear in the stateless template (cross-stack imports). */
  const imported = (construct: { node: { defaultChild?: unknown } }) =>
    `Data:ExportsOutputFnGetAtt${data.getLogicalId(construct.node.defaultChild as CfnElement)}Arn`;
  const names = {
    ledger: imported(ledgerTable),
    records: imported(recordsTable),
    archive: imported(archiveBucket),
    reports: imported(reportsBucket),
    uploads: imported(uploadsBucket),
  };
  return { stack, template, resources, ofType, names };
}

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
/** A resource rendered as text, imports by export name, for matching. */
const text = (value: unknown) => JSON.stringify(value);

describe.each(['dev', 'prod'] as const)('StatelessStack (%s)', (stage) => {
  const { stack, template, resources, ofType, names } = synth(stage);
  const logicalIdOf = (name: FunctionName) => stack.getLogicalId(stack.functions[name].node.defaultChild as CfnElement);
  const fnProps = (name: FunctionName) => {
    const fn = resources[logicalIdOf(name)];
    if (!fn) throw new Error(`no function ${name}`);
    return fn.Properties;
  };
  const roleIdOf = (name: FunctionName) => (fnProps(name).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  /** Every statement of a role's policies. */
  const statementsOf = (name: FunctionName): Statement[] => {
    const roleId = roleIdOf(name);
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const actionsOfFn = (name: FunctionName) => statementsOf(name).flatMap(actionsOf);
  const grantedTo = (action: string) => NAMES.filter((n) => actionsOfFn(n).includes(action)).sort();
  // Every policy but the one of CDK's BucketDeployment (the console's build; cdk-console.test.ts checks it).
  const allStatements = ofType('AWS::IAM::Policy')
    .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  // The functions of functions/ (CDK's own custom-resource functions have no ledger table).
  const ours = ofType('AWS::Lambda::Function').filter(
    ([, f]) =>
      f.Properties.Runtime === 'nodejs24.x' &&
      (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.LEDGER_TABLE !==
        undefined,
  );

  describe('functions', () => {
    it('has one nodejs24.x function per entry of FUNCTIONS, covering every function module', () => {
      expect(ours).toHaveLength(NAMES.length);
      expect(new Set(NAMES.map((n) => FUNCTIONS[n].module))).toEqual(new Set(FUNCTION_MODULES));
    });

    it.each(NAMES)('%s runs nodejs24.x on arm64, traced, with its own log group and retention', (name) => {
      const fn = fnProps(name);
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: FUNCTIONS[name].memorySize,
        Timeout: FUNCTIONS[name].timeoutSeconds,
        Environment: {
          Variables: {
            POWERTOOLS_SERVICE_NAME: expect.stringContaining('sib-ledger-'),
            POWERTOOLS_METRICS_NAMESPACE: 'SibLedger',
            LOG_LEVEL: stage === 'prod' ? 'INFO' : 'DEBUG',
          },
        },
      });
      const logGroupId = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(stage === 'prod' ? 365 : 30);
    });

    it.each(NAMES)('%s has the table, bucket and key environment', (name) => {
      const vars = (fnProps(name).Environment as { Variables: Record<string, unknown> }).Variables;
      for (const variable of [
        'LEDGER_TABLE',
        'RECORDS_TABLE',
        'ARCHIVE_BUCKET',
        'REPORTS_BUCKET',
        'UPLOADS_BUCKET',
        'SIGNING_KEY_ID',
        'PSEUDONYM_KEY_ID',
        'LOG_NAME',
      ]) {
        expect(vars[variable], variable).toBeDefined();
      }
    });

    it('the records lookup runs the api/ledger code under its own service name', () => {
      const vars = (name: FunctionName) =>
        (fnProps(name).Environment as { Variables: Record<string, string> }).Variables;
      expect(FUNCTIONS.RecordsQuery.module).toBe(FUNCTIONS.ApiLedger.module);
      expect(vars('RecordsQuery').POWERTOOLS_SERVICE_NAME).toBe('sib-ledger-records-query');
      expect(vars('ApiLedger').POWERTOOLS_SERVICE_NAME).toBe('sib-ledger-api-ledger');
    });

    it('the S3-event ingest has 512 MB, the heap flags, two retries and a dead-letter queue', () => {
      const fn = fnProps('IngestS3');
      expect(fn.MemorySize).toBe(512);
      const nodeOptions = (fn.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS;
      expect(nodeOptions).toContain('--max-old-space-size=384');
      expect(nodeOptions).toContain('--max-semi-space-size=8');
      const dlq = stack.getLogicalId(stack.deadLetterQueues.IngestS3.node.defaultChild as CfnElement);
      expect(fn.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf('IngestS3') },
        MaximumRetryAttempts: 2,
      });
    });

    it('the S3-event ingest is notified of objects created under uploads/ in the uploads bucket', () => {
      const [notification] = Object.values(template.findResources('Custom::S3BucketNotifications'));
      // The bucket name is imported by reference: Data:ExportsOutputRef<logical id>…
      const refOf = (name: string) => name.replace('FnGetAtt', 'Ref').replace(/Arn$/, '');
      expect(text(notification?.Properties.BucketName)).toContain(refOf(names.uploads));
      expect(text(notification?.Properties.BucketName)).not.toContain(refOf(names.archive));
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
              LambdaFunctionArn: { 'Fn::GetAtt': [logicalIdOf('IngestS3'), 'Arn'] },
            },
          ],
        },
      });
    });

    it('the checkpoint publisher runs every hour, with retries and a dead-letter queue of its own', () => {
      const dlq = stack.getLogicalId(stack.deadLetterQueues.PublishCheckpoints.node.defaultChild as CfnElement);
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 hour)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalIdOf('PublishCheckpoints'), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          }),
        ],
      });
      expect(fnProps('PublishCheckpoints').DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
    });

    it('the dead-letter queues are encrypted, TLS-only and keep messages 14 days', () => {
      template.resourceCountIs('AWS::SQS::Queue', 2);
      template.allResourcesProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      for (const [, policy] of ofType('AWS::SQS::QueuePolicy')) {
        expect(text(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
      expect(ofType('AWS::SQS::QueuePolicy')).toHaveLength(2);
    });
  });

  describe('API', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

    it("has exactly one route per entry of ROUTES, but none of the local gateway's own (the development sign-in)", () => {
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(DEPLOYED_ROUTES.map(routeKey).sort());
      const localOnly = ROUTES.filter((r) => r.localOnly === true);
      expect(localOnly.map((r) => r.id).sort()).toEqual(['devSignIn', 'issueDevToken']);
      for (const route of localOnly) expect(routes.map((r) => r.RouteKey)).not.toContain(routeKey(route));
      expect(JSON.stringify(resources)).not.toContain('/dev/');
    });

    it('sends each route to the function that runs its module, the records query to its own function', () => {
      const integrationTarget = (route: Record<string, unknown>) => {
        const target = (route.Target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as { Ref: string };
        const integration = resources[target.Ref];
        return text(integration?.Properties.IntegrationUri);
      };
      for (const route of DEPLOYED_ROUTES) {
        const props = routes.find((r) => r.RouteKey === routeKey(route)) as Record<string, unknown>;
        const name = functionOfRoute(route);
        expect(integrationTarget(props), route.id).toContain(logicalIdOf(name));
        expect(FUNCTIONS[name].module, route.id).toBe(route.handler);
      }
      expect(functionOfRoute(ROUTES.find((r) => r.id === 'queryRecords') as (typeof ROUTES)[number])).toBe(
        'RecordsQuery',
      );
      expect(functionOfRoute(ROUTES.find((r) => r.id === 'getCheckpoint') as (typeof ROUTES)[number])).toBe(
        'ApiLedger',
      );
    });

    it('puts the JWT authorizer on every non-public route, and none on the public ones', () => {
      const [[authorizerId]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Resource]];
      for (const route of DEPLOYED_ROUTES) {
        const props = routes.find((r) => r.RouteKey === routeKey(route));
        if (route.roles === 'public') {
          expect(props?.AuthorizationType, routeKey(route)).toBe('NONE');
          expect(props?.AuthorizerId, routeKey(route)).toBeUndefined();
        } else {
          expect(props?.AuthorizationType, routeKey(route)).toBe('JWT');
          expect(props?.AuthorizerId, routeKey(route)).toEqual({ Ref: authorizerId });
        }
      }
      expect(routes.find((r) => r.RouteKey === 'GET /openapi.json')?.AuthorizationType).toBe('NONE');
    });

    it('the authorizer trusts the user pool and its app client', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: {
          Audience: [{ Ref: stack.getLogicalId(stack.userPoolClient.node.defaultChild as CfnElement) }],
          Issuer: Match.anyValue(),
        },
      });
    });

    it('has one auto-deployed stage with throttling and JSON access logs that carry no bodies', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      const [[, stageResource]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
      expect(stageResource.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      });
      const format = JSON.parse((stageResource.Properties.AccessLogSettings as { Format: string }).Format) as Record<
        string,
        string
      >;
      expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      expect(Object.values(format).join(' ')).not.toMatch(/body|querystring|requestOverride/i);
    });

    it('has a user pool without self sign-up, with MFA required, a strong password policy and the four groups', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: stage === 'prod' ? 'ACTIVE' : 'INACTIVE',
      });
      const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
      expect(groups.sort()).toEqual([...GROUPS].sort());
    });

    it('users may read their contracts claim but never write it', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([Match.objectLike({ Name: 'contracts', AttributeDataType: 'String', Mutable: true })]),
      });
      const [[, client]] = ofType('AWS::Cognito::UserPoolClient') as [[string, Resource]];
      expect(client.Properties.ReadAttributes).toContain('custom:contracts');
      expect(client.Properties.WriteAttributes ?? []).toEqual([]);
    });

    it('has a hosted domain named after the stack and the account unless a prefix is given', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
        Domain: { 'Fn::Join': ['', ['stateless-', { Ref: 'AWS::AccountId' }]] },
      });
    });
  });

  describe('least privilege', () => {
    it('grants no wildcard actions anywhere', () => {
      for (const action of allStatements.flatMap(actionsOf)) expect(action).not.toContain('*');
    });

    it('grants dynamodb:DeleteItem and BatchWriteItem (which can delete) nowhere', () => {
      const actions = allStatements.flatMap(actionsOf);
      expect(actions).not.toContain('dynamodb:DeleteItem');
      expect(actions).not.toContain('dynamodb:BatchWriteItem');
      expect(actions.filter((a) => /^dynamodb:(Delete|Create|Update(Table|TimeToLive))/.test(a))).toEqual([]);
    });

    it('grants UpdateItem only on the ledger table, only to appending functions, only for the HEAD attributes', () => {
      const updates = allStatements.filter((s) => actionsOf(s).includes('dynamodb:UpdateItem'));
      expect(updates.length).toBeGreaterThan(0);
      for (const statement of updates) {
        expect(actionsOf(statement)).toEqual(['dynamodb:UpdateItem']);
        expect(text(statement.Resource)).toContain(names.ledger);
        expect(text(statement.Resource)).not.toContain(names.records);
        expect(statement.Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HEAD#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...HEAD_ATTRIBUTES] },
        });
      }
      expect(grantedTo('dynamodb:UpdateItem')).toEqual(
        NAMES.filter((n) => FUNCTIONS[n].grants.ledger === 'append').sort(),
      );
      expect(grantedTo('dynamodb:UpdateItem')).toEqual(['ApiContracts', 'ApiPayments', 'IngestBatch', 'IngestS3']);
    });

    it('grants PutItem on the ledger table only in the log partitions to appending functions, in checkpoint partitions to the others', () => {
      const ledgerPuts = (name: FunctionName) =>
        statementsOf(name).filter(
          (s) => actionsOf(s).includes('dynamodb:PutItem') && text(s.Resource).includes(names.ledger),
        );
      for (const name of NAMES) {
        const access = FUNCTIONS[name].grants.ledger;
        const expected =
          access === 'append'
            ? [{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOG#*', 'LOGS', 'CKPT#*'] } }]
            : access === 'checkpoint'
              ? [{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CKPT#*'] } }]
              : [];
        const puts = ledgerPuts(name);
        expect(
          puts.map((s) => s.Condition),
          name,
        ).toEqual(expected);
        for (const statement of puts) expect(actionsOf(statement), name).toEqual(['dynamodb:PutItem']);
      }
      expect(NAMES.filter((n) => ledgerPuts(n).some((s) => text(s.Condition).includes('LOG#*'))).sort()).toEqual([
        'ApiContracts',
        'ApiPayments',
        'IngestBatch',
        'IngestS3',
      ]);
      expect(NAMES.filter((n) => ledgerPuts(n).some((s) => !text(s.Condition).includes('LOG#*'))).sort()).toEqual([
        'ApiLedger',
        'ApiReports',
        'PublishCheckpoints',
      ]);
    });

    it('grants no deletes of objects (but of ingested uploads), no retention or policy changes, no replacing of reports', () => {
      const actions = NAMES.flatMap(actionsOfFn);
      expect(
        actions.filter((a) => /^s3:(PutObjectRetention|PutObjectLegalHold|Bypass|PutBucket|PutLifecycle)/.test(a)),
      ).toEqual([]);
      const deletes = NAMES.flatMap((n) =>
        statementsOf(n)
          .filter((st) => actionsOf(st).some((a) => a.startsWith('s3:Delete')))
          .map((st) => ({ n, actions: actionsOf(st), resource: text(st.Resource) })),
      );
      expect(deletes.map((d) => [d.n, d.actions])).toEqual([['IngestS3', ['s3:DeleteObject']]]);
      expect(deletes[0]?.resource).toContain(names.uploads);
      expect(deletes[0]?.resource).toContain('/uploads/*');
      const reportPuts = allStatements.filter(
        (s) => actionsOf(s).includes('s3:PutObject') && text(s.Resource).includes(names.reports),
      );
      expect(reportPuts.length).toBeGreaterThan(0);
      for (const statement of reportPuts) {
        expect(statement.Condition).toEqual({ Null: { 's3:if-none-match': 'false' } });
        expect(text(statement.Resource)).toContain('/reports/*');
      }
      expect(grantedTo('s3:PutObject').filter((n) => FUNCTIONS[n].grants.reportsPut)).toEqual([
        'ApiPayments',
        'ApiReports',
      ]);
    });

    /** The key prefixes of a function's statements with `action` on `bucket` ('' for the whole bucket). */
    const prefixesOf = (name: FunctionName, action: string, bucket: string) =>
      statementsOf(name)
        .filter((st) => actionsOf(st).includes(action))
        .flatMap(resourcesOf)
        .filter((r) => text(r).includes(bucket))
        .map((r) => /\/([a-z]+\/)?\*"\]\]\}$/.exec(text(r))?.[1] ?? '')
        .sort();

    it.each(NAMES)('%s reads and puts archive objects only under its listed prefixes', (name) => {
      const g = FUNCTIONS[name].grants;
      expect(prefixesOf(name, 's3:PutObject', names.archive)).toEqual([...g.archivePut].sort());
      expect(prefixesOf(name, 's3:GetObject', names.archive)).toEqual([...g.archiveRead].sort());
      expect(prefixesOf(name, 's3:AbortMultipartUpload', names.archive)).toEqual(
        g.archiveMultipart ? [...g.archivePut].sort() : [],
      );
    });

    it('only the presigner puts uploads; only the S3 ingest reads them, writes outcomes and deletes them', () => {
      const expected: Partial<Record<FunctionName, { put: string[]; get: string[]; del: string[] }>> = {
        PresignUpload: { put: ['uploads/'], get: [], del: [] },
        IngestS3: { put: ['results/'], get: ['results/', 'uploads/'], del: ['uploads/'] },
        ApiLedger: { put: [], get: ['results/', 'uploads/'], del: [] },
      };
      for (const name of NAMES) {
        expect(
          {
            put: prefixesOf(name, 's3:PutObject', names.uploads),
            get: prefixesOf(name, 's3:GetObject', names.uploads),
            del: prefixesOf(name, 's3:DeleteObject', names.uploads),
          },
          name,
        ).toEqual(expected[name] ?? { put: [], get: [], del: [] });
      }
    });

    it('the presigner may only generate data keys: no table, no decrypt', () => {
      expect(actionsOfFn('PresignUpload').filter((a) => /^(kms|dynamodb):/.test(a))).toEqual(['kms:GenerateDataKey']);
    });

    it('only the functions that sign may kms:Sign, only ingest and the records lookup may kms:GenerateMac', () => {
      expect(grantedTo('kms:Sign')).toEqual(
        ['ApiLedger', 'ApiPayments', 'ApiReports', 'IngestBatch', 'IngestS3', 'PublishCheckpoints'].sort(),
      );
      expect(grantedTo('kms:Sign')).toEqual(NAMES.filter((n) => FUNCTIONS[n].grants.sign).sort());
      expect(grantedTo('kms:GenerateMac')).toEqual(['IngestBatch', 'IngestS3', 'RecordsQuery']);
      expect(grantedTo('kms:GenerateMac')).toEqual(NAMES.filter((n) => FUNCTIONS[n].grants.mac).sort());
    });

    it.each(NAMES)('%s writes tables only as listed', (name) => {
      const g = FUNCTIONS[name].grants;
      const puts = statementsOf(name).filter((s) => actionsOf(s).includes('dynamodb:PutItem'));
      expect(puts.some((s) => text(s.Resource).includes(names.ledger))).toBe(
        g.ledger === 'checkpoint' || g.ledger === 'append',
      );
      expect(puts.some((s) => text(s.Resource).includes(names.records))).toBe(g.records === 'write');
      const reads = statementsOf(name).filter((s) => actionsOf(s).includes('dynamodb:Query'));
      expect(reads.some((s) => text(s.Resource).includes(names.ledger))).toBe(g.ledger !== 'none');
      expect(reads.some((s) => text(s.Resource).includes(names.records))).toBe(g.records !== 'none');
    });

    it.each(NAMES)('%s has no statement on all resources except X-Ray and log delivery', (name) => {
      for (const statement of statementsOf(name)) {
        if (resourcesOf(statement).includes('*')) {
          for (const action of actionsOf(statement)) expect(action).toMatch(/^xray:/);
        }
      }
    });

    it('uses the data key only through DynamoDB and S3', () => {
      const keyStatements = allStatements.filter((st) =>
        actionsOf(st).some((a) => ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'].includes(a)),
      );
      expect(keyStatements.length).toBeGreaterThan(0);
      for (const statement of keyStatements) {
        const via = statement.Condition?.StringEquals?.['kms:ViaService'];
        expect(text(via)).toMatch(/dynamodb\.".*s3\./);
      }
    });

    it('the OpenAPI function has no data access at all', () => {
      expect(actionsOfFn('ApiOpenapi').filter((a) => /^(dynamodb|s3|kms):/.test(a))).toEqual([]);
    });

    it('no function role carries an AWS managed policy', () => {
      for (const name of NAMES) {
        const role = resources[roleIdOf(name)];
        expect(role?.Properties.ManagedPolicyArns, name).toBeUndefined();
      }
    });
  });

  describe('observability', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const alarmNamed = (name: string) => alarms.find((a) => a.AlarmName === `sib-ledger-${stage}-${name}`);
    const topicId = stack.getLogicalId(stack.observability.alarmTopic.node.defaultChild as CfnElement);

    it.each(NAMES)('%s has an error alarm and a throttle alarm', (name) => {
      for (const [suffix, metric] of [
        ['Errors', 'Errors'],
        ['Throttles', 'Throttles'],
      ] as const) {
        expect(alarmNamed(`${name}${suffix}`), `${name}${suffix}`).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(name) } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    });

    it('alarms on any message in either dead-letter queue', () => {
      for (const name of ['IngestS3', 'PublishCheckpoints'] as const) {
        const queue = stack.getLogicalId(stack.deadLetterQueues[name].node.defaultChild as CfnElement);
        expect(alarmNamed(`${name}DeadLetters`)).toMatchObject({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
          Threshold: 1,
        });
      }
    });

    it('alarms on ingest rejects: the rejected records of both ingest functions per hour', () => {
      const alarm = alarmNamed('IngestRejects') as {
        Metrics: { Expression?: string; MetricStat?: unknown }[];
        Threshold: number;
      };
      expect(alarm.Threshold).toBe(100);
      const stats = alarm.Metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat);
      expect(stats).toEqual(
        ['sib-ledger-ingest-batch', 'sib-ledger-ingest-s3'].map((service) => ({
          Metric: {
            Namespace: 'SibLedger',
            MetricName: 'RecordsRejected',
            Dimensions: [{ Name: 'service', Value: service }],
          },
          Period: 3600,
          Stat: 'Sum',
        })),
      );
      expect(alarm.Metrics.find((m) => m.Expression)?.Expression).toBe('FILL(rejected0, 0) + FILL(rejected1, 0)');
    });

    it('alarms when an async event is lost, and when the checkpoint publisher stops running', () => {
      for (const name of ['IngestS3', 'PublishCheckpoints'] as const) {
        const alarm = alarmNamed(`${name}EventsLost`) as {
          Metrics: { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
        };
        expect(alarm.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort()).toEqual([
          'AsyncEventsDropped',
          'DeadLetterErrors',
        ]);
      }
      expect(alarmNamed('CheckpointPublisherSilent')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Period: 7200,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf('PublishCheckpoints') } }],
      });
    });

    it('alarms on API server errors', () => {
      expect(alarmNamed('Api5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Threshold: 5 });
    });

    it('sends every alarm, and its recovery, to one encrypted, TLS-only topic', () => {
      expect(alarms.length).toBe(NAMES.length * 2 + 2 * 2 + 1 + 2);
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
        expect(alarm.TreatMissingData).toBe(
          alarm.AlarmName === `sib-ledger-${stage}-CheckpointPublisherSilent` ? 'breaching' : 'notBreaching',
        );
      }
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('has a dashboard with the alarms, the API, every function, the queues, ingest and checkpoints', () => {
      const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Resource]];
      expect(dashboard.Properties.DashboardName).toBe(`sib-ledger-${stage}`);
      // The body is a Fn::Join of JSON text around references: its text parts, joined.
      const parts = (dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      const body = parts.filter((part): part is string => typeof part === 'string').join('');
      for (const title of [
        'Alarms',
        'API requests and errors',
        'API latency (ms)',
        'Invocations',
        'Errors',
        'Throttles',
        'Duration p99 (ms)',
        'Evidence records per hour',
        'Dead-letter queues',
        'Checkpoints published per hour',
      ]) {
        expect(body, title).toContain(title);
      }
      for (const name of NAMES) expect(body, name).toContain(`"label":"${name}"`);
    });
  });
});

describe('StatelessStack options', () => {
  it('a Cognito domain prefix names the hosted domain; the code flow returns to the given URLs', () => {
    const { template } = synth('prod', {
      cognitoDomainPrefix: 'sib-ledger-prod',
      callbackUrls: ['https://ministry.example/callback'],
      logoutUrls: ['https://ministry.example/sign-in'],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'sib-ledger-prod' });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      CallbackURLs: ['https://ministry.example/callback'],
      LogoutURLs: ['https://ministry.example/sign-in'],
    });
  });

  it('an alarm e-mail subscribes to the alarm topic; the ingest threshold and schedule follow their props', async () => {
    const { Schedule } = await import('aws-cdk-lib/aws-events');
    const { Duration } = await import('aws-cdk-lib');
    const { template } = synth('dev', {
      alarmEmail: 'ops@example.org',
      ingestRejectsPerHour: 7,
      checkpointSchedule: Schedule.rate(Duration.minutes(15)),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'sib-ledger-dev-IngestRejects',
      Threshold: 7,
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });
});
