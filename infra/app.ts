/**
 * Builds the sib-ledger app from its context, so the CLI entry
 * (infra/bin/app.ts) and the tests synthesize exactly the same thing.
 *
 * Context values (`-c key=value` or cdk.json):
 *   stage                  dev | prod (default dev); prod turns on every retention and protection
 *   reportRetentionDays    Object Lock (COMPLIANCE) retention of reports, days (default: prod 2555, seven years; dev 1)
 *   archiveRetentionDays   the same for the evidence archive (default: as reports)
 *   cognitoDomainPrefix    the Cognito hosted sign-in domain prefix, unique in the region
 *                          (default: `<stateless stack name>-<account>` in lower case)
 *   consoleDomain          the web console's own domain name (default: the CloudFront distribution's)
 *   consoleCertificateArn  its ACM certificate in us-east-1 (required with consoleDomain, and only with it)
 *   consoleCallbackUrls    comma-separated URLs the hosted sign-in may return to, the console's first
 *                          (default: `<console>/auth/callback`)
 *   consoleLogoutUrls      comma-separated URLs the hosted sign-out may return to, the console's first
 *                          (default: `<console>/sign-in`)
 *   alarmEmail             subscribed to the alarm topic (default: none)
 *   ingestRejectsPerHour   rejected records per hour that raise the alarm (default 100)
 *   witnessKeys            comma-separated verifier keys of the witnesses that may cosign (SIB_WITNESS_KEYS; default: none)
 *   witnessQuorum          cosignatures of those witnesses the published trust policy requires (SIB_WITNESS_QUORUM; default: all)
 *   partyKeys              JSON object signing role -> array of the parties' verifier keys, published in the
 *                          trust policy (SIB_PARTY_KEYS; a JSON string, or an object in cdk.json; default: none)
 *   witnessUrls            comma-separated URLs of the witnesses each new checkpoint is pushed to (SIB_WITNESS_URLS; default: none)
 *   sib:skipBundling       true: no esbuild (template tests)
 */
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Stage } from './constructs/handler-function.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack, type StatelessStackProps } from './stacks/stateless-stack.ts';

const DEFAULT_CROSS_STACK_REFERENCES = '@aws-cdk/core:defaultCrossStackReferences';

/** Seven years, a common retention period for financial audit records (prod). */
export const DEFAULT_REPORT_RETENTION_DAYS = 2555;
/** dev: objects locked for a day, so a trial deployment can be cleaned up. */
export const DEV_RETENTION_DAYS = 1;

export interface SibLedgerApp {
  readonly stage: Stage;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

function stringContext(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context "${key}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** `-c key=value` arrives as a string, cdk.json context as a number. */
function numberContext(app: App, key: string, fallback: number): number {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new Error(`context "${key}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** `witnessQuorum`: a whole number, at most the witnesses of `witnessKeys`; undefined: all of them. */
function quorumContext(app: App, witnessKeys: string | undefined): number | undefined {
  const value: unknown = app.node.tryGetContext('witnessQuorum');
  if (value === undefined || value === null || value === '') return undefined;
  const quorum = Number(value);
  const witnesses = (witnessKeys ?? '').split(',').filter((k) => k.trim() !== '').length;
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses) {
    throw new Error(
      `context "witnessQuorum" must be a whole number from 0 to the ${witnesses} witness key(s) of "witnessKeys", got ${JSON.stringify(value)}`,
    );
  }
  return quorum;
}

/** `partyKeys`: a JSON object (role -> verifier keys), given as JSON text or (cdk.json) an object; as JSON text. */
function partyKeysContext(app: App): string | undefined {
  const value: unknown = app.node.tryGetContext('partyKeys');
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`context "partyKeys" must be a JSON object of role to verifier keys, got ${JSON.stringify(value)}`);
  }
  return JSON.stringify(parsed);
}

/** A comma-separated list of https:// URLs (http:// only for this machine), or undefined. */
function urlsContext(app: App, key: string): string[] | undefined {
  const value = stringContext(app, key);
  if (value === undefined) return undefined;
  const urls = value.split(',').map((u) => u.trim());
  for (const url of urls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    const local = parsed?.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
    if (parsed === undefined || (parsed.protocol !== 'https:' && !local)) {
      throw new Error(`context "${key}" must be comma-separated https:// URLs, got ${JSON.stringify(url)}`);
    }
  }
  return urls;
}

/** `consoleDomain` and `consoleCertificateArn`: both or neither. */
function consoleDomainContext(app: App): { name: string; certificateArn: string } | undefined {
  const name = stringContext(app, 'consoleDomain');
  const certificateArn = stringContext(app, 'consoleCertificateArn');
  if (name === undefined && certificateArn === undefined) return undefined;
  if (name === undefined || certificateArn === undefined) {
    throw new Error('context "consoleDomain" and "consoleCertificateArn" go together: give both or neither');
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(name)) {
    throw new Error(`context "consoleDomain" must be a lower-case host name, got ${JSON.stringify(name)}`);
  }
  if (!/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new Error(
      `context "consoleCertificateArn" must be an ACM certificate ARN in us-east-1 (CloudFront's region), got ${JSON.stringify(certificateArn)}`,
    );
  }
  return { name, certificateArn };
}

/** The stateful stack's tables, buckets and keys, as the stateless stack takes them. */
export function statefulResources(stateful: StatefulStack) {
  return {
    stage: stateful.stage,
    ledgerTable: stateful.tables.ledger,
    recordsTable: stateful.tables.records,
    archiveBucket: stateful.buckets.archive,
    reportsBucket: stateful.buckets.reports,
    uploadsBucket: stateful.buckets.uploads,
    signingKey: stateful.signingKey,
    pseudonymKey: stateful.pseudonymKey,
    dataKey: stateful.dataKey,
  } satisfies Partial<StatelessStackProps>;
}

export function buildApp(app: App): SibLedgerApp {
  const stage: unknown = app.node.tryGetContext('stage') ?? 'dev';
  if (stage !== 'dev' && stage !== 'prod') {
    throw new Error(`context "stage" must be "dev" or "prod", got ${JSON.stringify(stage)}`);
  }
  // COMPLIANCE retention cannot be shortened or lifted: dev defaults to one day, prod to seven years.
  const reportRetentionDays = numberContext(
    app,
    'reportRetentionDays',
    stage === 'prod' ? DEFAULT_REPORT_RETENTION_DAYS : DEV_RETENTION_DAYS,
  );
  const archiveRetentionDays = numberContext(app, 'archiveRetentionDays', reportRetentionDays);
  const cognitoDomainPrefix = stringContext(app, 'cognitoDomainPrefix');
  const alarmEmail = stringContext(app, 'alarmEmail');
  const ingestRejectsPerHour = numberContext(app, 'ingestRejectsPerHour', 100);
  const witnessKeys = stringContext(app, 'witnessKeys');
  const witnessQuorum = quorumContext(app, witnessKeys);
  const partyKeys = partyKeysContext(app);
  const witnessUrls = stringContext(app, 'witnessUrls');
  const consoleDomain = consoleDomainContext(app);
  const callbackUrls = urlsContext(app, 'consoleCallbackUrls');
  const logoutUrls = urlsContext(app, 'consoleLogoutUrls');

  // Cross-stack references (the stateless stack uses the stateful one's resources) stay strong:
  // CloudFormation refuses to remove an export still in use.
  if (app.node.tryGetContext(DEFAULT_CROSS_STACK_REFERENCES) === undefined) {
    app.node.setContext(DEFAULT_CROSS_STACK_REFERENCES, 'strong');
  }

  Tags.of(app).add('project', 'sib-ledger');
  Tags.of(app).add('stage', stage);

  const stateful = new StatefulStack(app, `SibLedger-${stage}-Stateful`, {
    stage,
    reportRetentionDays,
    archiveRetentionDays,
    description: `sib-ledger ${stage}: tables, buckets and keys (retained)`,
    terminationProtection: stage === 'prod',
  });
  const stateless = new StatelessStack(app, `SibLedger-${stage}-Stateless`, {
    ...statefulResources(stateful),
    ingestRejectsPerHour,
    ...(cognitoDomainPrefix === undefined ? {} : { cognitoDomainPrefix }),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(witnessKeys === undefined ? {} : { witnessKeys }),
    ...(witnessQuorum === undefined ? {} : { witnessQuorum }),
    ...(partyKeys === undefined ? {} : { partyKeys }),
    ...(witnessUrls === undefined ? {} : { witnessUrls }),
    ...(consoleDomain === undefined ? {} : { consoleDomain }),
    ...(callbackUrls === undefined ? {} : { callbackUrls }),
    ...(logoutUrls === undefined ? {} : { logoutUrls }),
    description: `sib-ledger ${stage}: API, functions, users, alarms, web console`,
    terminationProtection: stage === 'prod',
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { stage, stateful, stateless };
}
