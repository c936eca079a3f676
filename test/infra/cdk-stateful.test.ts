/**
 * The CDK stateful stack, synthesized in-process (no `cdk` CLI, no AWS).
 * Expectations are derived from infra/definitions.ts, and the table shape is
 * compared with the local stack's CreateTable input, so the cloud tables and
 * the local tables cannot drift apart.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buckets, tables } from '../../infra/definitions.ts';
import { createTableInput } from '../../infra/local/provision.ts';
import { type Stage, StatefulStack } from '../../infra/stacks/stateful-stack.ts';

const RETENTION_DAYS = 42;

function synth(stage: Stage) {
  const app = new App();
  const stack = new StatefulStack(app, 'Stateful', { stage, reportRetentionDays: RETENTION_DAYS });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const propertiesOf = (construct: { node: { defaultChild?: unknown } }) => {
    const resource = resources[logicalId(construct)];
    if (!resource) throw new Error(`no resource ${logicalId(construct)} in the template`);
    return resource.Properties;
  };
  const keyArn = { 'Fn::GetAtt': [logicalId(stack.dataKey), 'Arn'] };
  return { stack, template, logicalId, propertiesOf, keyArn };
}

const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
  (a.AttributeName ?? '').localeCompare(b.AttributeName ?? '');

describe.each(['dev', 'prod'] as const)('StatefulStack (%s)', (stage) => {
  const { stack, template, logicalId, propertiesOf, keyArn } = synth(stage);

  it('has one symmetric, rotating, retained KMS key', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, KeySpec: Match.absent() },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  describe('tables', () => {
    it('has exactly the tables of infra/definitions.ts', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', tables.length);
      expect(Object.keys(stack.tables).sort()).toEqual(tables.map((t) => t.id).sort());
    });

    it.each(tables.map((def) => [def.id, def] as const))('%s has the keys and GSIs of the local stack', (_, def) => {
      const local = createTableInput(def, 'unused');
      const props = propertiesOf(stack.tables[def.id]);
      expect(props.KeySchema).toEqual(local.KeySchema);
      expect((props.AttributeDefinitions as { AttributeName?: string }[]).toSorted(byName)).toEqual(
        local.AttributeDefinitions?.toSorted(byName),
      );
      // Absent when there are none, like the local CreateTable input.
      expect(props.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
      expect(props.LocalSecondaryIndexes).toBeUndefined();
      expect(props.BillingMode).toBe(local.BillingMode);
    });

    it.each(tables.map((def) => [def.id, def] as const))('%s is protected, KMS-encrypted, retained', (_, def) => {
      template.templateMatches({
        Resources: {
          [logicalId(stack.tables[def.id])]: {
            Properties: {
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
              SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
              // CloudFormation names the table: no clash between stages or with the local names.
              TableName: Match.absent(),
            },
            DeletionPolicy: 'Retain',
            UpdateReplacePolicy: 'Retain',
          },
        },
      });
    });

    it('outputs each table name under <id>TableName', () => {
      for (const def of tables) {
        template.hasOutput(`${def.id}TableName`, { Value: { Ref: logicalId(stack.tables[def.id]) } });
      }
    });
  });

  describe('buckets', () => {
    it('has exactly the buckets of infra/definitions.ts', () => {
      template.resourceCountIs('AWS::S3::Bucket', buckets.length);
      expect(Object.keys(stack.buckets).sort()).toEqual(buckets.map((b) => b.id).sort());
    });

    it.each(buckets.map((def) => [def.id, def] as const))(
      '%s is versioned, private, KMS-encrypted, retained',
      (_, def) => {
        const id = logicalId(stack.buckets[def.id]);
        template.templateMatches({
          Resources: {
            [id]: {
              Properties: {
                VersioningConfiguration: { Status: 'Enabled' },
                PublicAccessBlockConfiguration: {
                  BlockPublicAcls: true,
                  BlockPublicPolicy: true,
                  IgnorePublicAcls: true,
                  RestrictPublicBuckets: true,
                },
                BucketEncryption: {
                  ServerSideEncryptionConfiguration: [
                    { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
                  ],
                },
              },
              DeletionPolicy: 'Retain',
              UpdateReplacePolicy: 'Retain',
            },
          },
        });
      },
    );

    it.each(buckets.map((def) => [def.id, def] as const))('%s only accepts TLS requests', (_, def) => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(stack.buckets[def.id]) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it.each(buckets.map((def) => [def.id, def] as const))('%s has Object Lock as defined', (_, def) => {
      const props = propertiesOf(stack.buckets[def.id]);
      if (def.objectLock) {
        expect(props.ObjectLockEnabled).toBe(true);
        expect(props.ObjectLockConfiguration).toEqual({
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: RETENTION_DAYS } },
        });
      } else {
        expect(props.ObjectLockEnabled).toBeUndefined();
        expect(props.ObjectLockConfiguration).toBeUndefined();
      }
    });

    it('outputs each bucket name under <id>BucketName', () => {
      for (const def of buckets) {
        template.hasOutput(`${def.id}BucketName`, { Value: { Ref: logicalId(stack.buckets[def.id]) } });
      }
    });
  });
});

describe('StatefulStack across stages', () => {
  it('dev and prod templates differ only in the stage name (same protection in both)', () => {
    const dev = JSON.stringify(synth('dev').template.toJSON());
    const prod = JSON.stringify(synth('prod').template.toJSON());
    expect(prod).toBe(dev.replaceAll('sib-ledger dev:', 'sib-ledger prod:'));
  });

  it('rejects a retention that is not a positive whole number of days', () => {
    for (const reportRetentionDays of [0, -1, 1.5, Number.NaN]) {
      expect(() => new StatefulStack(new App(), 'S', { stage: 'dev', reportRetentionDays })).toThrow(
        /reportRetentionDays/,
      );
    }
  });
});
