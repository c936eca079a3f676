/**
 * Alarms and the dashboard of a sib-ledger deployment. Every alarm goes to
 * one SNS topic (KMS-encrypted, TLS-only; an e-mail subscription when an
 * address is given):
 *   - per function: any error, any throttle (5 minutes);
 *   - per dead-letter queue: any message waiting (an async event given up),
 *     and any event dropped or not delivered to the queue;
 *   - the checkpoint publisher not running for two hours;
 *   - ingest rejects: rejected records per hour over a threshold (operators
 *     get each problem in the answer; many at once means a broken feed);
 *   - the API: server errors (5xx) over 5 minutes.
 * The dashboard shows the API traffic, each function's invocations, errors,
 * throttles and p99 duration, the queues, ingest and checkpoints, and the
 * alarms' states.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type FunctionModule, POWERTOOLS_METRICS_NAMESPACE, type Stage, serviceName } from './handler-function.ts';

export interface ObservabilityProps {
  readonly stage: Stage;
  readonly api: apigw.HttpApi;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** The modules whose RecordsRejected metric counts towards the ingest alarm. */
  readonly ingestServices: readonly FunctionModule[];
  readonly ingestRejectsPerHour: number;
  /** The key in `functions` of the scheduled checkpoint publisher (alarmed when it stops running). */
  readonly checkpointPublisher: string;
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

export class Observability extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  /**
   * Every alarm, by a readable id: `<Function>Errors`, `<Function>Throttles`,
   * `<Function>DeadLetters`, `<Function>EventsLost`, `CheckpointPublisherSilent`,
   * `IngestRejects`, `Api5xx`.
   */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { stage } = props;
    const prefix = `sib-ledger-${stage}`;

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `${prefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes the alarms to the encrypted topic.
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${prefix} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const notify = new actions.SnsAction(this.alarmTopic);

    const alarms: Record<string, cloudwatch.Alarm> = {};
    /** An alarm at `threshold` or more (by default), notifying the topic when it fires and when it clears. */
    const alarm = (
      name: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold = 1,
      options: Pick<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'> = {},
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      alarms[name] = created;
      return created;
    };

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        `${name}: an invocation failed (5 minutes)`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
      alarm(
        `${name}Throttles`,
        `${name}: an invocation was throttled (5 minutes)`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DeadLetters`,
        `${name}: an asynchronous event failed every retry and waits in the dead-letter queue`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      );
      const fn = props.functions[name];
      if (fn) {
        // An event that could not even reach the dead-letter queue, or was dropped, is lost: alarm on both.
        alarm(
          `${name}EventsLost`,
          `${name}: an asynchronous event was dropped or could not be sent to the dead-letter queue`,
          new cloudwatch.MathExpression({
            expression: 'FILL(dropped, 0) + FILL(dlqErrors, 0)',
            usingMetrics: {
              dropped: fn.metric('AsyncEventsDropped', { period: FIVE_MINUTES, statistic: 'Sum' }),
              dlqErrors: fn.metric('DeadLetterErrors', { period: FIVE_MINUTES, statistic: 'Sum' }),
            },
            period: FIVE_MINUTES,
          }),
        );
      }
    }
    const publisher = props.functions[props.checkpointPublisher];
    if (publisher) {
      // The publisher runs every hour: two hours without a run means the schedule is broken.
      alarm(
        'CheckpointPublisherSilent',
        'The checkpoint publisher has not run for two hours',
        publisher.metricInvocations({ period: Duration.hours(2), statistic: 'Sum' }),
        1,
        {
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      );
    }
    /** An hourly sum of one of our own (Powertools) metrics of a module. */
    const hourly = (metricName: string, module: FunctionModule) =>
      new cloudwatch.Metric({
        namespace: POWERTOOLS_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: serviceName(module) },
        statistic: 'Sum',
        period: Duration.hours(1),
      });
    const rejected = props.ingestServices.map((module) => hourly('RecordsRejected', module));
    const accepted = props.ingestServices.map((module) => hourly('RecordsAccepted', module));
    const sum = (metrics: cloudwatch.Metric[], label: string, id: string) =>
      new cloudwatch.MathExpression({
        expression: metrics.map((_, i) => `FILL(${id}${i}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(metrics.map((metric, i) => [`${id}${i}`, metric])),
        label,
        period: Duration.hours(1),
      });
    alarm(
      'IngestRejects',
      `Evidence ingest rejected at least ${props.ingestRejectsPerHour} records in an hour (API and S3 uploads)`,
      sum(rejected, 'Records rejected', 'rejected'),
      props.ingestRejectsPerHour,
    );
    alarm(
      'Api5xx',
      'The API answered at least 5 server errors in 5 minutes',
      props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      5,
    );
    this.alarms = alarms;

    const fns = Object.entries(props.functions);
    const perFunction = (title: string, metric: (fn: lambda.IFunction) => cloudwatch.IMetric) =>
      new cloudwatch.GraphWidget({
        title,
        width: 12,
        left: fns.map(([name, fn]) => (metric(fn) as cloudwatch.Metric).with({ label: name })),
      });
    const checkpoints = hourly('CheckpointsPublished', 'publish-checkpoints');
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: Object.values(alarms) }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        width: 12,
        left: [
          props.api.metricCount({ period: FIVE_MINUTES, label: 'requests' }),
          props.api.metricClientError({ period: FIVE_MINUTES, label: '4xx' }),
          props.api.metricServerError({ period: FIVE_MINUTES, label: '5xx' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        width: 12,
        left: [
          props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50', label: 'p50' }),
          props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99', label: 'p99' }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      perFunction('Invocations', (fn) => fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' })),
      perFunction('Errors', (fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' })),
    );
    this.dashboard.addWidgets(
      perFunction('Throttles', (fn) => fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' })),
      perFunction('Duration p99 (ms)', (fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' })),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Evidence records per hour',
        width: 8,
        left: [sum(accepted, 'accepted', 'accepted'), sum(rejected, 'rejected', 'rejected')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        width: 8,
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum', label: name }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Checkpoints published per hour',
        width: 8,
        left: [checkpoints.with({ label: 'published' })],
      }),
    );
  }
}
