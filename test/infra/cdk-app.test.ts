/**
 * The whole CDK app as `npx cdk synth` builds it (infra/app.ts), bundling
 * skipped: cdk-nag's AwsSolutions pack passes with no unacknowledged
 * finding, every acknowledgement sits beside its resource with a reason, a
 * non-compliant resource fails the synthesis, and the context is checked.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { SKIP_BUNDLING_CONTEXT } from '../../infra/constructs/handler-function.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function appWith(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'sib-cdk-app-'));
  dirs.push(outdir);
  const app = new App({ outdir, context: { [SKIP_BUNDLING_CONTEXT]: true, ...context } });
  return { app, outdir, built: () => buildApp(app) };
}

function acknowledgements(root: IConstruct): { path: string; isStack: boolean; id: string; reason: unknown }[] {
  const found: { path: string; isStack: boolean; id: string; reason: unknown }[] = [];
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({ path: node.node.path, isStack: Stack.isStack(node) || node === root, id, reason });
      }
    }
  }
  return found;
}

describe('the CDK app with cdk-nag AwsSolutions', () => {
  it.each([
    ['dev', {}],
    ['prod', { stage: 'prod', cognitoDomainPrefix: 'sib-ledger-prod', alarmEmail: 'ops@example.org' }],
    [
      'prod with the console on its own domain (TLSv1.2_2021, nothing acknowledged for TLS)',
      {
        stage: 'prod',
        consoleDomain: 'console.sib.example.org',
        consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab',
      },
    ],
  ] as const)('synthesizes %s with no unacknowledged finding', (_, context) => {
    // Prepare
    const { app, outdir, built } = appWith(context);
    const { stateful, stateless } = built();

    // Act
    const assembly = app.synth();

    // Assess
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { summary?: { status?: string } }[];
    };
    expect(report.pluginReports.filter((r) => r.summary?.status !== 'success')).toEqual([]);
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([stateful.stackName, stateless.stackName].sort());
  });

  it('acknowledges findings only beside resources, each with a reason', () => {
    // Prepare
    const { app, built } = appWith({ stage: 'prod' });
    built();
    app.synth();

    // Act
    const found = acknowledgements(app);

    // Assess
    expect(found.length).toBeGreaterThan(0);
    for (const { path, isStack, id, reason } of found) {
      expect(isStack, `${id} at ${path}`).toBe(false);
      expect(typeof reason === 'string' && reason.length >= 20, `${id} at ${path}`).toBe(true);
      expect(id).toMatch(/AwsSolutions-(IAM4|IAM5|SQS3|APIG4|S1|L1|CFR1|CFR2|CFR4)\b/);
    }
    // No blanket acknowledgement of a whole rule: wildcards are acknowledged one resource at a time.
    expect(found.filter((f) => /AwsSolutions-IAM[45]$/.test(f.id))).toEqual([]);
  });

  it('fails the synthesis on a non-compliant resource', () => {
    // Prepare: an unencrypted bucket without TLS enforcement or access logs.
    const { app, built } = appWith({});
    const { stateless } = built();
    new s3.Bucket(stateless, 'Careless', { enforceSSL: false });

    // Act and assess
    expect(() => app.synth()).toThrow(/S3 Bucket has server access logs disabled/);
  });

  it.each([
    [{ stage: 'staging' }, /context "stage" must be "dev" or "prod"/],
    [{ reportRetentionDays: '0' }, /context "reportRetentionDays" must be a positive integer/],
    [{ archiveRetentionDays: 'seven years' }, /context "archiveRetentionDays" must be a positive integer/],
    [{ cognitoDomainPrefix: 42 }, /context "cognitoDomainPrefix" must be a string/],
    [
      { witnessKeys: 'a+00000000+AA', witnessQuorum: '2' },
      /context "witnessQuorum" must be a whole number from 0 to the 1/,
    ],
    [{ witnessQuorum: 'all' }, /context "witnessQuorum" must be a whole number/],
    [{ partyKeys: '["ministry"]' }, /context "partyKeys" must be a JSON object/],
    [{ partyKeys: 'not json' }, /context "partyKeys" must be a JSON object/],
  ])('refuses bad context %o', (context, message) => {
    const { built } = appWith(context);
    expect(built).toThrow(message);
  });

  it.each([
    [{}, 1],
    [{ stage: 'prod' }, 2555],
    [{ stage: 'dev', reportRetentionDays: '30' }, 30],
  ])('locks objects for the retention of the stage or the context: %o gives %i days', (context, days) => {
    const { app, built } = appWith(context);
    const { stateful } = built();
    const template = JSON.stringify(app.synth().getStackByName(stateful.stackName).template);
    const retentions = [...template.matchAll(/"DefaultRetention":\{"Days":(\d+),"Mode":"COMPLIANCE"\}/g)].map((m) =>
      Number(m[1]),
    );
    expect(retentions).toEqual([days, days]);
  });

  it('wires the stateless stack to the stateful one through exports, never copies', () => {
    // Prepare
    const { app, built } = appWith({});
    const { stateful, stateless } = built();

    // Act
    const assembly = app.synth();

    // Assess
    const template = JSON.stringify(assembly.getStackByName(stateless.stackName).template);
    expect(template).toContain(`${stateful.stackName}:ExportsOutput`);
    const statefulTypes = Object.values(
      assembly.getStackByName(stateful.stackName).template.Resources as Record<string, { Type: string }>,
    ).map((r) => r.Type);
    const statelessTypes = Object.values(
      assembly.getStackByName(stateless.stackName).template.Resources as Record<string, { Type: string }>,
    ).map((r) => r.Type);
    expect(statefulTypes).toContain('AWS::DynamoDB::Table');
    expect(statelessTypes).not.toContain('AWS::DynamoDB::Table');
    // Its only buckets are the web console's build and its logs (infra/constructs/console-hosting.ts): no data.
    expect(statelessTypes.filter((t) => t === 'AWS::S3::Bucket')).toHaveLength(2);
  });

  it.each([
    ['JSON text', '{"ministry":["ministry-boris+1a2b3c4d+AX"]}'],
    ['an object (cdk.json)', { ministry: ['ministry-boris+1a2b3c4d+AX'] }],
  ])('publishes the witness quorum and the party keys (%s) in every function environment', (_, partyKeys) => {
    const { app, built } = appWith({ witnessKeys: 'w1+00000000+AA,w2+11111111+BB', witnessQuorum: '1', partyKeys });
    const { stateless } = built();
    const resources = app.synth().getStackByName(stateless.stackName).template.Resources as Record<
      string,
      { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }
    >;
    const environments = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Environment?.Variables ?? {})
      .filter((v) => 'LEDGER_TABLE' in v);
    expect(environments.length).toBeGreaterThan(0);
    for (const variables of environments) {
      expect(variables).toMatchObject({
        SIB_WITNESS_KEYS: 'w1+00000000+AA,w2+11111111+BB',
        SIB_WITNESS_QUORUM: '1',
        SIB_PARTY_KEYS: '{"ministry":["ministry-boris+1a2b3c4d+AX"]}',
      });
    }
  });

  it('gives the witness URLs of context witnessUrls to the checkpoint publisher (and every function), SIB_WITNESS_URLS', () => {
    // Prepare
    const urls = 'https://witness.example/a,https://witness.example/b';
    const { app, built } = appWith({ witnessUrls: urls });
    const { stateless } = built();

    // Act
    const resources = app.synth().getStackByName(stateless.stackName).template.Resources as Record<
      string,
      { Type: string; Properties?: { Description?: string; Environment?: { Variables?: Record<string, unknown> } } }
    >;

    // Assess
    const functions = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.LEDGER_TABLE !== undefined,
    );
    const publisher = functions.find((f) => /checkpoint/i.test(f.Properties?.Description ?? ''));
    expect(publisher?.Properties?.Environment?.Variables?.SIB_WITNESS_URLS).toBe(urls);
    expect(functions.every((f) => f.Properties?.Environment?.Variables?.SIB_WITNESS_URLS === urls)).toBe(true);
    const without = appWith({});
    const plainStack = without.built().stateless.stackName;
    const plain = without.app.synth().getStackByName(plainStack).template;
    expect(JSON.stringify(plain)).not.toContain('SIB_WITNESS_URLS');
  });
});
