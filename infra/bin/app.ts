/**
 * The sib-ledger CDK app. Environment-agnostic and lookup-free, so
 * `npx cdk synth` works offline without AWS credentials.
 *
 *   npx cdk synth -c stage=prod -c reportRetentionDays=2555 -c archiveRetentionDays=2555
 */
import { App, Tags } from 'aws-cdk-lib';
import { type Stage, StatefulStack } from '../stacks/stateful-stack.ts';

/** Seven years, a common retention period for financial audit records. */
const DEFAULT_REPORT_RETENTION_DAYS = 2555;
/** The evidence archive is kept as long as the reports built from it. */
const DEFAULT_ARCHIVE_RETENTION_DAYS = DEFAULT_REPORT_RETENTION_DAYS;

const app = new App();

const stage: unknown = app.node.tryGetContext('stage') ?? 'dev';
if (stage !== 'dev' && stage !== 'prod') {
  throw new Error(`context "stage" must be "dev" or "prod", got ${JSON.stringify(stage)}`);
}
// `-c key=value` arrives as a string, cdk.json context as a number.
const reportRetentionDays = Number(app.node.tryGetContext('reportRetentionDays') ?? DEFAULT_REPORT_RETENTION_DAYS);
const archiveRetentionDays = Number(app.node.tryGetContext('archiveRetentionDays') ?? DEFAULT_ARCHIVE_RETENTION_DAYS);

Tags.of(app).add('project', 'sib-ledger');
Tags.of(app).add('stage', stage);

new StatefulStack(app, `SibLedger-${stage satisfies Stage}-Stateful`, {
  stage,
  reportRetentionDays,
  archiveRetentionDays,
});
