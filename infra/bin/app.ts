/**
 * The sib-ledger CDK app. Environment-agnostic and lookup-free, so
 * `npx cdk synth` works offline without AWS credentials. cdk-nag's
 * AwsSolutions pack checks the whole app: an unacknowledged finding fails
 * the synthesis; every acknowledgement sits beside its resource, with a reason.
 *
 *   npx cdk synth -c stage=prod -c reportRetentionDays=2555 -c archiveRetentionDays=2555 \
 *     -c cognitoDomainPrefix=sib-ledger-prod -c alarmEmail=ops@example.org
 *
 * Context (all optional): see buildApp in infra/app.ts.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../app.ts';

buildApp(new App());
