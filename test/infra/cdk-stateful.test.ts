/**
 * The CDK stateful stack, synthesized in-process (no `cdk` CLI, no AWS).
 * Expectations are derived from functions/adapters/storage-layout.ts, and the
 * table shape is compared with the local stack's CreateTable input, so the
 * cloud tables and the local tables cannot drift apart. One assertion group per concern; no
 * whole-template snapshots.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type BucketDef, buckets, tables } from '../../functions/adapters/storage-layout.ts';
import { createTableInput } from '../../infra/local/provision.ts';
import { type Stage, StatefulStack, type StatefulStackProps } from '../../infra/stacks/stateful-stack.ts';

const RETENTION_DAYS: Partial<Record<BucketDef['id'], number>> = { reports: 42, archive: 17 };

function synth(stage: Stage) {
  const app = new App();
  const stack = new StatefulStack(app, 'Stateful', {
    stage,
    reportRetentionDays: RETENTION_DAYS.reports ?? 1,
    archiveRetentionDays: RETENTION_DAYS.archive ?? 1,
  });
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

const retained = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };

describe.each(['dev', 'prod'] as const)('StatefulStack (%s)', (stage) => {
  const { stack, template, logicalId, propertiesOf, keyArn } = synth(stage);

  describe('keys', () => {
    it('has three retained KMS keys: data, signing, pseudonym', () => {
      template.resourceCountIs('AWS::KMS::Key', 3);
      for (const key of [stack.dataKey, stack.signingKey, stack.pseudonymKey]) {
        template.templateMatches({ Resources: { [logicalId(key)]: { Type: 'AWS::KMS::Key', ...retained } } });
      }
    });

    it('data key: symmetric, encrypt/decrypt, rotating', () => {
      const props = propertiesOf(stack.dataKey);
      expect(props.KeySpec).toBeUndefined(); // SYMMETRIC_DEFAULT
      expect(props.KeyUsage).toBeUndefined(); // ENCRYPT_DECRYPT
      expect(props.EnableKeyRotation).toBe(true);
    });

    it('signing key: Ed25519, sign/verify, no rotation', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeySpec: 'ECC_NIST_EDWARDS25519',
        KeyUsage: 'SIGN_VERIFY',
        EnableKeyRotation: Match.absent(),
      });
      expect(propertiesOf(stack.signingKey)).toMatchObject({
        KeySpec: 'ECC_NIST_EDWARDS25519',
        KeyUsage: 'SIGN_VERIFY',
      });
    });

    it('pseudonym key: HMAC_256, generate/verify MAC, no rotation', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeySpec: 'HMAC_256',
        KeyUsage: 'GENERATE_VERIFY_MAC',
        EnableKeyRotation: Match.absent(),
      });
      expect(propertiesOf(stack.pseudonymKey)).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    });

    it('only the data key rotates', () => {
      const rotating = Object.keys(
        template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }),
      );
      expect(rotating).toEqual([logicalId(stack.dataKey)]);
    });

    it('outputs the signing and pseudonym key ARNs', () => {
      template.hasOutput('SigningKeyArn', { Value: { 'Fn::GetAtt': [logicalId(stack.signingKey), 'Arn'] } });
      template.hasOutput('PseudonymKeyArn', { Value: { 'Fn::GetAtt': [logicalId(stack.pseudonymKey), 'Arn'] } });
    });
  });

  describe('tables', () => {
    it('has exactly the tables of functions/adapters/storage-layout.ts', () => {
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

    it.each(tables.map((def) => [def.id, def] as const))('%s is on-demand, PITR, KMS-encrypted, retained', (_, def) => {
      template.templateMatches({
        Resources: {
          [logicalId(stack.tables[def.id])]: {
            Properties: {
              BillingMode: 'PAY_PER_REQUEST',
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
              // CloudFormation names the table: no clash between stages or with the local names.
              TableName: Match.absent(),
            },
            ...retained,
          },
        },
      });
    });

    it.each(tables.map((def) => [def.id, def] as const))(
      `%s has deletion protection ${stage === 'prod' ? 'on' : 'off'}`,
      (_, def) => {
        expect(propertiesOf(stack.tables[def.id]).DeletionProtectionEnabled).toBe(stage === 'prod');
      },
    );

    it('outputs each table name under <id>TableName', () => {
      for (const def of tables) {
        template.hasOutput(`${def.id}TableName`, { Value: { Ref: logicalId(stack.tables[def.id]) } });
      }
    });
  });

  describe('buckets', () => {
    const privateBucket = {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      AccessControl: Match.absent(),
    };

    it('has exactly the buckets of functions/adapters/storage-layout.ts, plus the access-logs bucket', () => {
      template.resourceCountIs('AWS::S3::Bucket', buckets.length + 1);
      expect(Object.keys(stack.buckets).sort()).toEqual(buckets.map((b) => b.id).sort());
    });

    it.each(buckets.map((def) => [def.id, def] as const))(
      '%s is versioned unless transient, private, KMS-encrypted (data key), retained',
      (_, def) => {
        expect(propertiesOf(stack.buckets[def.id]).VersioningConfiguration).toEqual(
          def.expireDays === undefined ? { Status: 'Enabled' } : undefined,
        );
        template.templateMatches({
          Resources: {
            [logicalId(stack.buckets[def.id])]: {
              Properties: {
                ...privateBucket,
                BucketEncryption: {
                  ServerSideEncryptionConfiguration: [
                    {
                      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
                      BucketKeyEnabled: true,
                    },
                  ],
                },
              },
              ...retained,
            },
          },
        });
      },
    );

    it.each(buckets.map((def) => [def.id, def] as const))(
      '%s logs server access to the access-logs bucket',
      (_, def) => {
        expect(propertiesOf(stack.buckets[def.id]).LoggingConfiguration).toEqual({
          DestinationBucketName: { Ref: logicalId(stack.accessLogsBucket) },
          LogFilePrefix: `${def.id}/`,
        });
      },
    );

    it('the access-logs bucket is private, SSE-S3, retained, and does not log to itself', () => {
      template.templateMatches({
        Resources: {
          [logicalId(stack.accessLogsBucket)]: {
            Properties: {
              ...privateBucket,
              BucketEncryption: {
                ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
              },
              LoggingConfiguration: Match.absent(),
              ObjectLockEnabled: Match.absent(),
            },
            ...retained,
          },
        },
      });
    });

    it('the access-logs bucket policy lets S3 log delivery write only for the data buckets', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(stack.accessLogsBucket) },
        PolicyDocument: {
          Statement: Match.arrayWith(
            buckets.map((def) =>
              Match.objectLike({
                Effect: 'Allow',
                Action: 's3:PutObject',
                Principal: { Service: 'logging.s3.amazonaws.com' },
                Condition: Match.objectLike({
                  ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack.buckets[def.id]), 'Arn'] } },
                }),
              }),
            ),
          ),
        },
      });
    });

    it.each([...buckets.map((def) => def.id), 'accessLogs'])('%s only accepts TLS requests', (id) => {
      const bucket = id === 'accessLogs' ? stack.accessLogsBucket : stack.buckets[id as BucketDef['id']];
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(bucket) },
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

    it.each(buckets.map((def) => [def.id, def] as const))(
      '%s has Object Lock (COMPLIANCE, retention from context) as defined',
      (_, def) => {
        const props = propertiesOf(stack.buckets[def.id]);
        if (def.objectLock) {
          expect(props.ObjectLockEnabled).toBe(true);
          expect(props.ObjectLockConfiguration).toEqual({
            ObjectLockEnabled: 'Enabled',
            Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: RETENTION_DAYS[def.id] } },
          });
        } else {
          expect(props.ObjectLockEnabled).toBeUndefined();
          expect(props.ObjectLockConfiguration).toBeUndefined();
        }
      },
    );

    it('locks both the archive and the reports (functions/adapters/storage-layout.ts)', () => {
      expect(
        buckets
          .filter((b) => b.objectLock)
          .map((b) => b.id)
          .sort(),
      ).toEqual(['archive', 'reports']);
    });

    it('the uploads bucket is transient: never locked, deletes allowed, uploads gone after a day, outcomes after 30', () => {
      const props = propertiesOf(stack.buckets.uploads);
      expect(props.ObjectLockEnabled).toBeUndefined();
      expect(props.LifecycleConfiguration).toEqual({
        Rules: [
          { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          { ExpirationInDays: 1, Prefix: 'uploads/', Status: 'Enabled' },
          { ExpirationInDays: 30, Prefix: 'results/', Status: 'Enabled' },
        ],
      });
    });

    it('denies every object delete on the locked buckets, to everyone; replacing a report too', () => {
      const policyOf = (id: BucketDef['id']) =>
        Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
          (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: logicalId(stack.buckets[id]) }),
        )?.Properties.PolicyDocument.Statement as {
          Sid?: string;
          Effect: string;
          Principal?: unknown;
          Action: unknown;
          Condition?: unknown;
        }[];
      for (const id of ['archive', 'reports'] as const) {
        expect(policyOf(id).find((st) => st.Sid === 'DenyObjectDeletes')).toMatchObject({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        });
      }
      expect(policyOf('reports').find((st) => st.Sid === 'DenyReportOverwrites')).toMatchObject({
        Effect: 'Deny',
        Action: 's3:PutObject',
        Condition: { Null: { 's3:if-none-match': 'true' } },
      });
      expect(policyOf('archive').find((st) => st.Sid === 'DenyReportOverwrites')).toBeUndefined();
      expect(policyOf('uploads').find((st) => st.Sid === 'DenyObjectDeletes')).toBeUndefined();
    });

    it('outputs each bucket name under <id>BucketName', () => {
      for (const def of buckets) {
        template.hasOutput(`${def.id}BucketName`, { Value: { Ref: logicalId(stack.buckets[def.id]) } });
      }
      template.hasOutput('AccessLogsBucketName', { Value: { Ref: logicalId(stack.accessLogsBucket) } });
    });
  });
});

describe('StatefulStack across stages', () => {
  it('dev and prod templates differ only in the stage name and table deletion protection', () => {
    const dev = JSON.stringify(synth('dev').template.toJSON());
    const prod = JSON.stringify(synth('prod').template.toJSON());
    expect(prod.replaceAll('"DeletionProtectionEnabled":true', '"DeletionProtectionEnabled":false')).toBe(
      dev.replaceAll('sib-ledger dev:', 'sib-ledger prod:'),
    );
  });

  it('rejects a retention that is not a positive whole number of days', () => {
    const valid: StatefulStackProps = { stage: 'dev', reportRetentionDays: 1, archiveRetentionDays: 1 };
    for (const days of [0, -1, 1.5, Number.NaN]) {
      expect(() => new StatefulStack(new App(), 'S', { ...valid, reportRetentionDays: days })).toThrow(
        /reportRetentionDays/,
      );
      expect(() => new StatefulStack(new App(), 'S', { ...valid, archiveRetentionDays: days })).toThrow(
        /archiveRetentionDays/,
      );
    }
  });
});
