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

type AlarmOptions = Pick<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'>;

/** Every alarm of the construct, by name, each notifying the topic when it fires and when it clears. */
class AlarmSet {
  readonly byName: Record<string, cloudwatch.Alarm> = {};
  readonly #scope: Construct;
  readonly #prefix: string;
  readonly #notify: actions.SnsAction;

  constructor(scope: Construct, prefix: string, notify: actions.SnsAction) {
    this.#scope = scope;
    this.#prefix = prefix;
    this.#notify = notify;
  }

  /** An alarm at `threshold` or more (by default), notifying the topic when it fires and when it clears. */
  add(
    name: string,
    description: string,
    metric: cloudwatch.IMetric,
    threshold = 1,
    options: AlarmOptions = {},
  ): cloudwatch.Alarm {
    const created = new cloudwatch.Alarm(this.#scope, name, {
      alarmName: `${this.#prefix}-${name}`,
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...options,
    });
    created.addAlarmAction(this.#notify);
    created.addOkAction(this.#notify);
    this.byName[name] = created;
    return created;
  }
}

/** The KMS-encrypted, TLS-only alarm topic, with its key and the e-mail subscription when an address is given. */
function createAlarmTopic(scope: Construct, prefix: string, props: ObservabilityProps): sns.Topic {
  const topicKey = new kms.Key(scope, 'AlarmTopicKey', {
    description: `${prefix}: encrypts the alarm topic`,
    enableKeyRotation: true,
    removalPolicy: props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  // CloudWatch publishes the alarms to the encrypted topic.
  topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: `${prefix} alarms`,
    masterKey: topicKey,
    enforceSSL: true,
  });
  if (props.alarmEmail !== undefined) {
    topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
  }
  return topic;
}

/** Per function: any error, any throttle (5 minutes). */
function addFunctionAlarms(alarms: AlarmSet, functions: ObservabilityProps['functions']): void {
  for (const [name, fn] of Object.entries(functions)) {
    alarms.add(
      `${name}Errors`,
      `${name}: an invocation failed (5 minutes)`,
      fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    alarms.add(
      `${name}Throttles`,
      `${name}: an invocation was throttled (5 minutes)`,
      fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
  }
}

/** Per dead-letter queue: any message waiting, and any event of its function dropped or not delivered to it. */
function addDeadLetterAlarms(alarms: AlarmSet, props: ObservabilityProps): void {
  for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
    alarms.add(
      `${name}DeadLetters`,
      `${name}: an asynchronous event failed every retry and waits in the dead-letter queue`,
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
    );
    const fn = props.functions[name];
    if (fn) {
      // An event that could not even reach the dead-letter queue, or was dropped, is lost: alarm on both.
      alarms.add(
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
}

/** The checkpoint publisher not running for two hours. */
function addPublisherAlarm(alarms: AlarmSet, props: ObservabilityProps): void {
  const publisher = props.functions[props.checkpointPublisher];
  if (publisher) {
    // The publisher runs every hour: two hours without a run means the schedule is broken.
    alarms.add(
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
}

/** An hourly sum of one of our own (Powertools) metrics of a module. */
function hourly(metricName: string, module: FunctionModule): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: POWERTOOLS_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: serviceName(module) },
    statistic: 'Sum',
    period: Duration.hours(1),
  });
}

/** The hourly sum of metrics, as one line labelled `label`. */
function sum(metrics: cloudwatch.Metric[], label: string, id: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: metrics.map((_, i) => `FILL(${id}${i}, 0)`).join(' + '),
    usingMetrics: Object.fromEntries(metrics.map((metric, i) => [`${id}${i}`, metric])),
    label,
    period: Duration.hours(1),
  });
}

/** The hourly records rejected (or accepted) by every ingest module, summed. */
function ingestRecords(props: ObservabilityProps, outcome: 'accepted' | 'rejected', label: string) {
  const metricName = outcome === 'accepted' ? 'RecordsAccepted' : 'RecordsRejected';
  return sum(
    props.ingestServices.map((module) => hourly(metricName, module)),
    label,
    outcome,
  );
}

/** Ingest rejects per hour over the threshold; API server errors over 5 minutes. */
function addIngestAndApiAlarms(alarms: AlarmSet, props: ObservabilityProps): void {
  alarms.add(
    'IngestRejects',
    `Evidence ingest rejected at least ${props.ingestRejectsPerHour} records in an hour (API and S3 uploads)`,
    ingestRecords(props, 'rejected', 'Records rejected'),
    props.ingestRejectsPerHour,
  );
  alarms.add(
    'Api5xx',
    'The API answered at least 5 server errors in 5 minutes',
    props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
    5,
  );
}

/** The API's traffic: requests and errors, latency. */
function apiWidgets(api: apigw.HttpApi): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'API requests and errors',
      width: 12,
      left: [
        api.metricCount({ period: FIVE_MINUTES, label: 'requests' }),
        api.metricClientError({ period: FIVE_MINUTES, label: '4xx' }),
        api.metricServerError({ period: FIVE_MINUTES, label: '5xx' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'API latency (ms)',
      width: 12,
      left: [
        api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50', label: 'p50' }),
        api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99', label: 'p99' }),
      ],
    }),
  ];
}

/** One graph of a metric of every function, a line per function. */
function perFunction(
  functions: ObservabilityProps['functions'],
  title: string,
  metric: (fn: lambda.IFunction) => cloudwatch.IMetric,
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    width: 12,
    left: Object.entries(functions).map(([name, fn]) => (metric(fn) as cloudwatch.Metric).with({ label: name })),
  });
}

/** Evidence records accepted and rejected, the dead-letter queues, the checkpoints published. */
function pipelineWidgets(props: ObservabilityProps): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Evidence records per hour',
      width: 8,
      left: [ingestRecords(props, 'accepted', 'accepted'), ingestRecords(props, 'rejected', 'rejected')],
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
      left: [hourly('CheckpointsPublished', 'publish-checkpoints').with({ label: 'published' })],
    }),
  ];
}

/** The dashboard: the alarms' states, the API, each function, then ingest, queues and checkpoints. */
function createDashboard(
  scope: Construct,
  prefix: string,
  props: ObservabilityProps,
  alarms: readonly cloudwatch.Alarm[],
): cloudwatch.Dashboard {
  const fns = props.functions;
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: prefix,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...alarms] }));
  dashboard.addWidgets(...apiWidgets(props.api));
  dashboard.addWidgets(
    perFunction(fns, 'Invocations', (fn) => fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' })),
    perFunction(fns, 'Errors', (fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' })),
  );
  dashboard.addWidgets(
    perFunction(fns, 'Throttles', (fn) => fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' })),
    perFunction(fns, 'Duration p99 (ms)', (fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' })),
  );
  dashboard.addWidgets(...pipelineWidgets(props));
  return dashboard;
}

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
    const prefix = `sib-ledger-${props.stage}`;
    this.alarmTopic = createAlarmTopic(this, prefix, props);
    const alarms = new AlarmSet(this, prefix, new actions.SnsAction(this.alarmTopic));
    addFunctionAlarms(alarms, props.functions);
    addDeadLetterAlarms(alarms, props);
    addPublisherAlarm(alarms, props);
    addIngestAndApiAlarms(alarms, props);
    this.alarms = alarms.byName;
    this.dashboard = createDashboard(this, prefix, props, Object.values(alarms.byName));
  }
}
