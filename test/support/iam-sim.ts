/**
 * A small IAM simulator for the deployed functions' roles: the Allow
 * statements of each role as the synthesized stateless template holds them
 * (resources named by symbols of the stateful stack: `dynamodb:ledger`,
 * `s3:archive/archive/*`, `kms:signingKey`), an evaluator of a request
 * against them (actions, `*` wildcards in resources, and the condition
 * operators the roles use), and a recorder that turns what a runtime's SDK
 * clients, signer and pseudonymizer actually do into IAM requests.
 *
 * The buckets' policies are in force too: their Deny statements (TLS only,
 * no deletes under Object Lock, no report put without If-None-Match) apply
 * to the roles as to anyone. Only what these policies need is modelled: no
 * NotAction/NotResource, no policy variables, no key policies (they defer to
 * IAM), no data-key (SSE-KMS) requests; a condition operator not modelled
 * throws rather than guess.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { presigner } from '../../functions/adapters/s3-presign.ts';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import type { Runtime } from '../../functions/shared/composition.ts';
import { buildApp } from '../../infra/app.ts';
import { FUNCTIONS, type FunctionName } from '../../infra/stacks/stateless-stack.ts';

// ---- Policies

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A statement with its resources rendered as symbols (unknown references as `ref:<json>`). */
export interface ResolvedStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: Record<string, Record<string, readonly string[]>>;
}

export interface Policies {
  /** Each deployed function's role: its statements. */
  readonly roles: Record<FunctionName, ResolvedStatement[]>;
  /** The Deny statements of the buckets' policies (for any principal). */
  readonly bucketDenies: ResolvedStatement[];
}

/** Every deployed function's statements, and the buckets' denies, from the app's templates (bundling skipped). */
export function synthesizedPolicies(): Policies {
  const { stateful, stateless } = buildApp(new App({ context: { 'sib:skipBundling': true } }));
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stateful.getLogicalId(construct.node.defaultChild as CfnElement);
  const symbols: [string, string][] = [
    [logicalId(stateful.tables.ledger), 'dynamodb:ledger'],
    [logicalId(stateful.tables.records), 'dynamodb:records'],
    [logicalId(stateful.buckets.archive), 's3:archive'],
    [logicalId(stateful.buckets.reports), 's3:reports'],
    [logicalId(stateful.buckets.uploads), 's3:uploads'],
    [logicalId(stateful.signingKey), 'kms:signingKey'],
    [logicalId(stateful.pseudonymKey), 'kms:pseudonymKey'],
    [logicalId(stateful.dataKey), 'kms:dataKey'],
  ];
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    const exported = v['Fn::ImportValue'];
    if (typeof exported === 'string') {
      const found = symbols.find(([id]) => exported.includes(`:ExportsOutputFnGetAtt${id}Arn`));
      return found ? found[1] : `ref:${JSON.stringify(value)}`;
    }
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
    // Within the stateful stack (its bucket policies): the resource itself.
    const [id, attribute] = (v['Fn::GetAtt'] ?? []) as [string?, string?];
    const own = symbols.find(([logical]) => logical === id);
    if (own && attribute === 'Arn') return own[1];
    return `ref:${JSON.stringify(value)}`;
  };
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

  const resolve = (s: Statement): ResolvedStatement => ({
    effect: s.Effect,
    actions: list(s.Action) as string[],
    resources: list(s.Resource).map(render),
    conditions: Object.fromEntries(
      Object.entries(s.Condition ?? {}).map(([operator, keys]) => [
        operator,
        Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, list(values).map(render)])),
      ]),
    ),
  });
  type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const statementsOf = (resources: Resources, type: string, document: string) =>
    Object.values(resources)
      .filter((r) => r.Type === type)
      .map((r) => ({
        properties: r.Properties,
        statements: (r.Properties[document] as { Statement: Statement[] }).Statement,
      }));

  const resources = Template.fromStack(stateless).toJSON().Resources as Resources;
  const policies = statementsOf(resources, 'AWS::IAM::Policy', 'PolicyDocument');
  const roles = {} as Record<FunctionName, ResolvedStatement[]>;
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const fn = resources[stateless.getLogicalId(stateless.functions[name].node.defaultChild as CfnElement)];
    if (fn === undefined) throw new Error(`no function ${name} in the template`);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    roles[name] = policies
      .filter((p) => (p.properties.Roles as { Ref?: string }[]).some((r) => r.Ref === roleId))
      .flatMap((p) => p.statements.map(resolve));
  }
  const bucketDenies = statementsOf(
    Template.fromStack(stateful).toJSON().Resources as Resources,
    'AWS::S3::BucketPolicy',
    'PolicyDocument',
  )
    .flatMap((p) => p.statements)
    .filter((s) => s.Effect === 'Deny')
    .map(resolve);
  return { roles, bucketDenies };
}

// ---- Requests and their evaluation

/** One authorization IAM makes for a call: action, resource (a symbol) and request context. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (multi-valued where IAM's are). */
  readonly context: Readonly<Record<string, readonly string[]>>;
  /** What made it: the SDK command (or signer method), for messages. */
  readonly call: string;
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
const like = (value: string, pattern: string) => glob(pattern).test(value);

/** Whether one condition block (operator: key: values) holds; an operator not modelled never holds. */
function conditionHolds(
  operator: string,
  key: string,
  values: readonly string[],
  context: IamRequest['context'],
): boolean {
  const given = context[key];
  switch (operator) {
    // ForAllValues: every value of the request's key matches one of the policy's (true without the key).
    case 'ForAllValues:StringLike':
      return (given ?? []).every((g) => values.some((v) => like(g, v)));
    case 'ForAllValues:StringEquals':
      return (given ?? []).every((g) => values.includes(g));
    case 'StringEquals':
      return given !== undefined && given.length > 0 && given.every((g) => values.includes(g));
    case 'StringLike':
      return given !== undefined && given.length > 0 && given.every((g) => values.some((v) => like(g, v)));
    case 'Bool':
      return (
        given !== undefined &&
        given.length > 0 &&
        given.every((g) => values.some((v) => v.toLowerCase() === g.toLowerCase()))
      );
    case 'Null':
      // `"false"`: the key must be present; `"true"`: absent.
      return values.every((v) => (v === 'true' ? given === undefined : given !== undefined));
    default:
      throw new Error(`condition operator ${operator} is not modelled`);
  }
}

function statementMatches(s: ResolvedStatement, request: IamRequest): boolean {
  return (
    s.actions.some((a) => like(request.action, a)) &&
    s.resources.some((r) => like(request.resource, r)) &&
    Object.entries(s.conditions).every(([operator, keys]) =>
      Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, values, request.context)),
    )
  );
}

/** IAM's decision for a role's statements (and any resource policy's denies): an explicit Deny wins, else an Allow is needed. */
export function isAllowed(statements: readonly ResolvedStatement[], request: IamRequest): boolean {
  if (statements.some((s) => s.effect === 'Deny' && statementMatches(s, request))) return false;
  return statements.some((s) => s.effect === 'Allow' && statementMatches(s, request));
}

export const describeRequest = (r: IamRequest) =>
  `${r.action} on ${r.resource}${Object.keys(r.context).length > 0 ? ` ${JSON.stringify(r.context)}` : ''} (${r.call})`;

// ---- Translating SDK calls

type AttributeValue = string | { S?: string } | undefined;
const str = (v: unknown): string => (typeof v === 'string' ? v : String((v as { S?: string } | undefined)?.S ?? v));

const KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

/** Attribute names a DynamoDB request touches (dynamodb:Attributes): its key's, the aliased ones and any named bare. */
function attributeNames(input: Record<string, unknown>): string[] {
  const names = new Set<string>(Object.keys((input.Key ?? input.Item ?? {}) as object));
  for (const name of Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>)) names.add(name);
  for (const field of ['UpdateExpression', 'ConditionExpression', 'ProjectionExpression']) {
    const expression = input[field];
    if (typeof expression !== 'string') continue;
    for (const match of expression.matchAll(/(?<![#:\w])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/g)) {
      const word = match[1] as string;
      if (!KEYWORDS.has(word.toUpperCase())) names.add(word);
    }
  }
  return [...names].sort();
}

/** Resource symbols of the local stack's tables and buckets. */
export function localSymbols(stack: StackConfig) {
  const table = (name: string) => {
    const id = (Object.keys(stack.tables) as (keyof StackConfig['tables'])[]).find((k) => stack.tables[k] === name);
    return id === undefined ? `unknown-table:${name}` : `dynamodb:${id}`;
  };
  const bucket = (name: string) => {
    const id = (Object.keys(stack.buckets) as (keyof StackConfig['buckets'])[]).find((k) => stack.buckets[k] === name);
    return id === undefined ? `unknown-bucket:${name}` : `s3:${id}`;
  };
  return { table, bucket };
}

function itemRequest(
  action: string,
  table: string,
  input: Record<string, unknown>,
  call: string,
  withAttributes: boolean,
): IamRequest {
  const key = (input.Key ?? input.Item ?? {}) as Record<string, AttributeValue>;
  return {
    action,
    resource: table,
    context: {
      'dynamodb:LeadingKeys': [str(key.pk)],
      ...(withAttributes ? { 'dynamodb:Attributes': attributeNames(input) } : {}),
    },
    call,
  };
}

/** The IAM requests of one DynamoDB command (client or document-client name). */
export function dynamoRequests(stack: StackConfig, command: string, input: Record<string, unknown>): IamRequest[] {
  const { table } = localSymbols(stack);
  const name = command.replace(/Command$/, '');
  const tableName = input.TableName as string;
  switch (name) {
    case 'Get':
    case 'GetItem':
      return [itemRequest('dynamodb:GetItem', table(tableName), input, command, true)];
    case 'Put':
    case 'PutItem':
      return [itemRequest('dynamodb:PutItem', table(tableName), input, command, true)];
    case 'Update':
    case 'UpdateItem':
      return [itemRequest('dynamodb:UpdateItem', table(tableName), input, command, true)];
    case 'Delete':
    case 'DeleteItem':
      return [itemRequest('dynamodb:DeleteItem', table(tableName), input, command, true)];
    case 'Query': {
      const index = input.IndexName as string | undefined;
      const resource = index === undefined ? table(tableName) : `${table(tableName)}/index/${index}`;
      return [{ action: 'dynamodb:Query', resource, context: {}, call: command }];
    }
    case 'BatchGet':
    case 'BatchGetItem':
      return Object.keys((input.RequestItems ?? {}) as object).map((t) => ({
        action: 'dynamodb:BatchGetItem',
        resource: table(t),
        context: {},
        call: command,
      }));
    case 'TransactWrite':
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, Record<string, unknown>>[]).flatMap((item) => {
        const [kind, body] = Object.entries(item)[0] as [string, Record<string, unknown>];
        const action = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        }[kind];
        return [
          itemRequest(`dynamodb:${action ?? kind}`, table(body.TableName as string), body, `${command}.${kind}`, true),
        ];
      });
    default:
      // Not modelled: an action no role grants, so the test fails and says which.
      return [{ action: `dynamodb:${name}`, resource: table(tableName), context: {}, call: command }];
  }
}

/** The IAM requests of one S3 command (`call` names it in messages). */
export function s3Requests(
  stack: StackConfig,
  command: string,
  input: Record<string, unknown>,
  call: string = command,
): IamRequest[] {
  const { bucket } = localSymbols(stack);
  const name = command.replace(/Command$/, '');
  const b = bucket(input.Bucket as string);
  const object = `${b}/${input.Key as string}`;
  // The SDK speaks HTTPS to S3, and presigned URLs are https: URLs.
  const one = (action: string, resource: string, context: IamRequest['context'] = {}): IamRequest[] => [
    { action, resource, context: { 'aws:SecureTransport': ['true'], ...context }, call },
  ];
  switch (name) {
    case 'GetObject':
    case 'HeadObject':
      return one('s3:GetObject', object);
    case 'ListObjectsV2':
    case 'ListObjects':
      return one('s3:ListBucket', b, input.Prefix === undefined ? {} : { 's3:prefix': [input.Prefix as string] });
    case 'PutObject':
      return one('s3:PutObject', object, input.IfNoneMatch === undefined ? {} : { 's3:if-none-match': ['*'] });
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
      return one('s3:PutObject', object);
    case 'AbortMultipartUpload':
      return one('s3:AbortMultipartUpload', object);
    case 'DeleteObject':
      return one('s3:DeleteObject', object);
    default:
      return one(`s3:${name}`, object);
  }
}

// ---- Recording a runtime

export interface Recorder {
  readonly requests: IamRequest[];
}

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/**
 * An initialize-step middleware, structurally: the SDK's own types live in
 * @smithy/types, which this project does not depend on directly (so each is
 * handed to `add` as `never`, which fits its every overload).
 */
type Handler = (args: { input: object }) => Promise<unknown>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

/**
 * Records every AWS request the runtime's function code makes: DynamoDB and
 * S3 calls (through the clients' middleware), presigned requests (signed with
 * the role's credentials, made later by whoever holds the URL), and the KMS
 * requests the signer and pseudonymizer make in AWS (the local ones use key
 * files): kms:Sign and kms:GetPublicKey (KmsSigner.sign fetches the public
 * key to verify), kms:GenerateMac (once per contract in AWS; here per
 * pseudonym: more, never fewer). An S3 read answered 404 also needs
 * s3:ListBucket: without it S3 answers 403, which the code does not expect.
 */
export function recordRuntime(rt: Runtime, recorder: Recorder): void {
  const { requests } = recorder;
  const stack = rt.stack;
  const { bucket } = localSymbols(stack);
  const dynamo: Middleware = (next, context) => async (args) => {
    requests.push(...dynamoRequests(stack, String(context.commandName), args.input as Record<string, unknown>));
    return next(args);
  };
  const s3 =
    (presigned: boolean): Middleware =>
    (next, context) =>
    async (args) => {
      const input = args.input as Record<string, unknown>;
      const command = String(context.commandName);
      const call = `${presigned ? 'presigned ' : ''}${command}`;
      requests.push(...s3Requests(stack, command, input, call));
      try {
        return await next(args);
      } catch (error) {
        if (isNotFound(error)) {
          requests.push({
            action: 's3:ListBucket',
            resource: bucket(input.Bucket as string),
            context: { 'aws:SecureTransport': ['true'] },
            call: `${call} answered 404`,
          });
        }
        throw error;
      }
    };
  rt.dynamo.middlewareStack.add(dynamo as never, { step: 'initialize', name: 'iamRecorder' });
  rt.s3.middlewareStack.add(s3(false) as never, { step: 'initialize', name: 'iamRecorder' });
  presigner(rt.s3).middlewareStack.add(s3(true) as never, { step: 'initialize', name: 'iamRecorder' });

  const kms = (action: string, key: string, call: string): IamRequest => ({
    action,
    resource: `kms:${key}`,
    context: {},
    call,
  });
  const signer = rt.signer;
  const sign = signer.sign.bind(signer);
  const publicKey = signer.publicKey.bind(signer);
  Object.assign(signer, {
    sign: (message: Uint8Array) => {
      requests.push(kms('kms:GetPublicKey', 'signingKey', 'signer.sign'), kms('kms:Sign', 'signingKey', 'signer.sign'));
      return sign(message);
    },
    publicKey: () => {
      requests.push(kms('kms:GetPublicKey', 'signingKey', 'signer.publicKey'));
      return publicKey();
    },
  });
  const pseudonymizer = rt.ports.pseudonymizer;
  const pseudonym = pseudonymizer.pseudonym.bind(pseudonymizer);
  Object.assign(pseudonymizer, {
    pseudonym: (contract: string, reference: string) => {
      requests.push(kms('kms:GenerateMac', 'pseudonymKey', 'pseudonymizer.pseudonym'));
      return pseudonym(contract, reference);
    },
  });
}
