/**
 * The CDK stateless stack, synthesized in-process with bundling skipped (no
 * esbuild, no AWS). The stand-in tables, buckets and keys live in a helper
 * stack, as the stateful stack's do in the app. Expectations are derived from
 * functions/api/routes.ts and the stack's GRANTS table.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { type HandlerModule, ROUTES, routeKey } from '../../functions/api/routes.ts';
import { type FunctionModule, SKIP_BUNDLING_CONTEXT } from '../../infra/constructs/handler-function.ts';
import { GRANTS, GROUPS, StatelessStack } from '../../infra/stacks/stateless-stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };

function synth(stage: 'dev' | 'prod') {
  const app = new App({ context: { [SKIP_BUNDLING_CONTEXT]: true } });
  const data = new Stack(app, 'Data');
  const table = (id: string) =>
    new dynamodb.Table(data, id, { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
  const stack = new StatelessStack(app, 'Stateless', {
    stage,
    ledgerTable: table('Ledger'),
    recordsTable: table('Records'),
    archiveBucket: new s3.Bucket(data, 'Archive'),
    reportsBucket: new s3.Bucket(data, 'Reports'),
    signingKey: new kms.Key(data, 'Signing', {
      keySpec: kms.KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
    }),
    pseudonymKey: new kms.Key(data, 'Pseudonym', {
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    }),
    dataKey: new kms.Key(data, 'Data'),
  });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  return { stack, template, resources, ofType };
}

const HANDLER_MODULES = [...new Set(ROUTES.map((r) => r.handler))] as HandlerModule[];
const MODULES: FunctionModule[] = [...HANDLER_MODULES, 'ingest-s3'];

type Statement = { Action: string | string[]; Effect: string; Resource: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe.each(['dev', 'prod'] as const)('StatelessStack (%s)', (stage) => {
  const { stack, template, resources, ofType } = synth(stage);
  const logicalIdOf = (module: FunctionModule) =>
    stack.getLogicalId(stack.functions[module].node.defaultChild as CfnElement);
  /** The properties of a module's function. */
  const fnProps = (module: FunctionModule) => {
    const fn = resources[logicalIdOf(module)];
    if (!fn) throw new Error(`no function for ${module}`);
    return fn.Properties;
  };
  const roleIdOf = (module: FunctionModule) => {
    const role = fnProps(module).Role as { 'Fn::GetAtt': [string, string] };
    return role['Fn::GetAtt'][0];
  };
  /** Every action granted to a role, by its policies. */
  const actionsOfRole = (roleId: string) =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap(actionsOf));
  const ours = ofType('AWS::Lambda::Function').filter(([, f]) => f.Properties.Runtime === 'nodejs24.x');

  describe('functions', () => {
    it('has one nodejs24.x function per handler module, plus the S3-event ingest', () => {
      expect(ours).toHaveLength(MODULES.length);
      expect(Object.keys(stack.functions).sort()).toEqual([...MODULES].sort());
    });

    it.each(MODULES)('%s runs nodejs24.x on arm64, traced, with a retained log group', (module) => {
      const fn = fnProps(module);
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
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

    it.each(MODULES)('%s has the table, bucket and key environment', (module) => {
      const vars = (fnProps(module).Environment as { Variables: Record<string, unknown> }).Variables;
      for (const name of [
        'LEDGER_TABLE',
        'RECORDS_TABLE',
        'ARCHIVE_BUCKET',
        'REPORTS_BUCKET',
        'SIGNING_KEY_ID',
        'PSEUDONYM_KEY_ID',
        'LOG_NAME',
      ]) {
        expect(vars[name], name).toBeDefined();
      }
    });

    it('the S3-event ingest has 512 MB, the heap flags and a dead-letter queue', () => {
      const fn = fnProps('ingest-s3');
      expect(fn.MemorySize).toBe(512);
      const nodeOptions = (fn.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS;
      expect(nodeOptions).toContain('--max-old-space-size=384');
      expect(nodeOptions).toContain('--max-semi-space-size=8');
      expect(fn.DeadLetterConfig).toEqual({
        TargetArn: {
          'Fn::GetAtt': [stack.getLogicalId(stack.ingestDeadLetterQueue.node.defaultChild as CfnElement), 'Arn'],
        },
      });
      template.resourceCountIs('AWS::SQS::Queue', 1);
    });

    it('the S3-event ingest is notified of objects created under uploads/', () => {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
              LambdaFunctionArn: { 'Fn::GetAtt': [logicalIdOf('ingest-s3'), 'Arn'] },
            },
          ],
        },
      });
    });
  });

  describe('API', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

    it('has exactly one route per entry of ROUTES', () => {
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(ROUTES.map(routeKey).sort());
    });

    it('puts the JWT authorizer on every non-public route, and none on the public ones', () => {
      const [[authorizerId]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Resource]];
      for (const route of ROUTES) {
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

    it('has a user pool without self sign-up, with optional MFA, a strong password policy and the four groups', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'OPTIONAL',
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
      });
      const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
      expect(groups.sort()).toEqual([...GROUPS].sort());
    });
  });

  describe('least privilege', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(
      ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );

    it('grants no wildcard actions anywhere', () => {
      for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain('*');
    });

    it('grants dynamodb:DeleteItem (or BatchWriteItem on the ledger) nowhere', () => {
      expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:DeleteItem');
    });

    it('grants no deletes of objects anywhere', () => {
      expect(statements.flatMap(actionsOf).filter((a) => /^s3:Delete/.test(a))).toEqual([]);
    });

    it.each(MODULES)('%s may kms:Sign and kms:GenerateMac exactly as listed', (module) => {
      const actions = actionsOfRole(roleIdOf(module));
      expect(actions.includes('kms:Sign')).toBe(GRANTS[module].sign);
      expect(actions.includes('kms:GenerateMac')).toBe(GRANTS[module].mac);
    });

    it('only the signing modules sign, only ingest and api/ledger pseudonymise', () => {
      const signers = MODULES.filter((m) => actionsOfRole(roleIdOf(m)).includes('kms:Sign')).sort();
      expect(signers).toEqual(['api/ledger', 'api/payments', 'api/reports', 'ingest-batch']);
      const macs = MODULES.filter((m) => actionsOfRole(roleIdOf(m)).includes('kms:GenerateMac')).sort();
      expect(macs).toEqual(['api/ledger', 'ingest-batch', 'ingest-s3']);
    });

    it.each(MODULES)('%s writes only if it is listed as a writer', (module) => {
      const actions = actionsOfRole(roleIdOf(module));
      const g = GRANTS[module];
      const writesTables = g.ledger === 'write' || g.records === 'write';
      expect(actions.includes('dynamodb:PutItem')).toBe(writesTables);
      expect(actions.includes('s3:PutObject')).toBe(g.archive === 'write' || g.reports === 'write');
    });

    it('api/openapi has no data access at all', () => {
      expect(actionsOfRole(roleIdOf('api/openapi')).filter((a) => /^(dynamodb|s3|kms):/.test(a))).toEqual([]);
    });
  });
});
