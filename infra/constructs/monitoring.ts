import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  type ApplicationLoadBalancer,
  type ApplicationTargetGroup,
  HttpCodeElb,
  HttpCodeTarget,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from './metric-names.ts';

/** Options of {@link Monitoring}. */
export interface MonitoringProps {
  /** POWERTOOLS_METRICS_NAMESPACE of both functions. */
  readonly namespace: string;
  /** POWERTOOLS_SERVICE_NAME of the serving tier. */
  readonly serveService: string;
  /** POWERTOOLS_SERVICE_NAME of the sync function. */
  readonly syncService: string;
  /** The load balancer whose request, 5xx and latency metrics are graphed and alarmed on. */
  readonly alb: ApplicationLoadBalancer;
  /** The serving target group (healthy and unhealthy hosts). */
  readonly targetGroup: ApplicationTargetGroup;
  /** The sync function (errors count as sync failures). */
  readonly syncFunction: IFunction;
  /** The serving function, in Lambda mode. */
  readonly serveFunction?: IFunction;
  /**
   * Alarm when the served snapshot is older than this (serve metric), or when no sync succeeded for this
   * long (sync metric); must be longer than the sync interval.
   * @default Duration.minutes(5)
   */
  readonly snapshotAgeThreshold?: Duration;
  /**
   * Alarm when this many syncs fail (failure metric plus function errors) within 10 minutes.
   * @default 3
   */
  readonly syncFailureThreshold?: number;
  /**
   * Alarm when 5xx answers exceed this percentage of requests for 3 consecutive minutes.
   * @default 5
   */
  readonly serverErrorRatePercent?: number;
  /** Where alarms (and their recovery) are sent. @default - alarms are not sent anywhere */
  readonly alarmTopic?: ITopic;
  /** @default - a name CloudFormation generates */
  readonly dashboardName?: string;
}

/** The CloudWatch dashboard and alarms of the fallback. */
export class Monitoring extends Construct {
  /** The dashboard. */
  readonly dashboard: Dashboard;
  /** Served snapshot older than the threshold (`SnapshotAgeMs`, `service` dimension). */
  readonly snapshotAgeAlarm: Alarm;
  /** No `SyncSuccess` within the threshold (missing data breaches). */
  readonly syncStalledAlarm: Alarm;
  /** `SyncFailure` + sync function errors within 10 minutes. */
  readonly syncFailureAlarm: Alarm;
  /** 5xx share of ALB requests. */
  readonly serverErrorAlarm: Alarm;
  /** Targets failing /healthcheck. */
  readonly unhealthyHostsAlarm: Alarm;

  /** Every alarm, in a stable order. */
  alarms(): Alarm[] {
    return [
      this.snapshotAgeAlarm,
      this.syncStalledAlarm,
      this.syncFailureAlarm,
      this.serverErrorAlarm,
      this.unhealthyHostsAlarm,
    ];
  }

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { alb, targetGroup } = props;
    const ns = props.namespace;
    const serve = (name: string, statistic: string, label?: string) =>
      new Metric({
        namespace: ns,
        metricName: name,
        dimensionsMap: { service: props.serveService },
        statistic,
        label,
      });
    const sync = (name: string, statistic: string, label?: string) =>
      new Metric({
        namespace: ns,
        metricName: name,
        dimensionsMap: { service: props.syncService },
        statistic,
        label,
      });
    // Dimension sets the functions add (path, status, function_name) vary, so graphs search for them.
    const search = (name: string, statistic: string, label = '') =>
      new MathExpression({
        expression: `SEARCH('{${ns}} MetricName="${name}"', '${statistic}', 60)`,
        usingMetrics: {},
        label,
        period: Duration.minutes(1),
      });
    const perMinute = { period: Duration.minutes(1) };
    const ageMs = (props.snapshotAgeThreshold ?? Duration.minutes(5)).toMilliseconds();
    const syncFailureThreshold = props.syncFailureThreshold ?? 3;
    const errorRate = props.serverErrorRatePercent ?? 5;
    if (!(errorRate > 0 && errorRate <= 100)) {
      throw new Error(`serverErrorRatePercent must be in (0, 100], got ${errorRate}`);
    }
    if (!(Number.isInteger(syncFailureThreshold) && syncFailureThreshold >= 1)) {
      throw new Error(
        `syncFailureThreshold must be a whole number of at least 1, got ${syncFailureThreshold}`,
      );
    }

    this.snapshotAgeAlarm = new Alarm(this, 'SnapshotAge', {
      alarmDescription: `the served snapshot is older than ${ageMs / 1000} s: the sync is failing or too slow`,
      metric: serve(METRICS.snapshotAge, 'Maximum').with(perMinute),
      threshold: ageMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // The producer-side view of the same age: no successful sync (published or unchanged) for that long.
    this.syncStalledAlarm = new Alarm(this, 'SyncStalled', {
      alarmDescription: `no successful sync for ${ageMs / 60_000} minutes: the snapshot is getting old`,
      metric: sync(METRICS.syncSuccess, 'Sum').with({ period: Duration.millis(ageMs) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
    const syncFailures = new MathExpression({
      expression: 'FILL(failures, 0) + FILL(errors, 0)',
      usingMetrics: {
        failures: sync(METRICS.syncFailure, 'Sum'),
        errors: props.syncFunction.metricErrors({ statistic: 'Sum' }),
      },
      label: 'sync failures',
      period: Duration.minutes(10),
    });
    this.syncFailureAlarm = new Alarm(this, 'SyncFailures', {
      alarmDescription: `${syncFailureThreshold} or more syncs failed within 10 minutes`,
      metric: syncFailures,
      threshold: syncFailureThreshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const errorPercent = new MathExpression({
      expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests',
      usingMetrics: {
        target5xx: alb.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum' }),
        elb5xx: alb.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum' }),
        requests: alb.metrics.requestCount({ statistic: 'Sum' }),
      },
      label: '5xx %',
      period: Duration.minutes(1),
    });
    this.serverErrorAlarm = new Alarm(this, 'ServerErrorRate', {
      alarmDescription: `more than ${errorRate}% of requests answered 5xx for 3 minutes`,
      metric: errorPercent,
      threshold: errorRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.unhealthyHostsAlarm = new Alarm(this, 'UnhealthyHosts', {
      alarmDescription: 'a serving target failed its /healthcheck for 3 minutes',
      metric: targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', ...perMinute }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of this.alarms()) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    const lambdaHealth = (fn: IFunction, name: string): IMetric[] => [
      fn.metricErrors({ label: `${name} errors`, statistic: 'Sum', ...perMinute }),
      fn.metricThrottles({ label: `${name} throttles`, statistic: 'Sum', ...perMinute }),
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# oso-fallback\nEMF namespace \`${ns}\`; services \`${props.serveService}\` and \`${props.syncService}\``,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Requests by path and status', [search(METRICS.requests, 'Sum')]),
      graph(
        'Latency (ms) p50 / p90 / p99',
        ['p50', 'p90', 'p99'].map((p) => search(METRICS.latency, p, p)),
        [alb.metrics.targetResponseTime({ statistic: 'p99', label: 'ALB target p99 (s)', ...perMinute })],
      ),
      graph('4xx and 5xx', [
        alb.metrics.httpCodeTarget(HttpCodeTarget.TARGET_4XX_COUNT, { statistic: 'Sum', ...perMinute }),
        alb.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum', ...perMinute }),
        alb.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum', ...perMinute }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Snapshot age (ms)', [search(METRICS.snapshotAge, 'Maximum')]),
      graph('Facts in the served snapshot', [search(METRICS.factCount, 'Maximum')]),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.alarms(),
        width: 8,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Sync duration (ms)',
        [sync(METRICS.syncDuration, 'Average', 'avg'), sync(METRICS.syncDuration, 'Maximum', 'max')],
        [sync(METRICS.syncFacts, 'Maximum', 'facts synced')],
      ),
      graph(
        'Sync outcome',
        [
          sync(METRICS.syncSuccess, 'Sum', 'success').with(perMinute),
          sync(METRICS.syncFailure, 'Sum', 'failure').with(perMinute),
          sync(METRICS.syncPublished, 'Sum', 'published').with(perMinute),
        ],
        [sync(METRICS.syncSnapshotBytes, 'Maximum', 'snapshot bytes')],
      ),
      graph('Lambda errors and throttles', [
        ...lambdaHealth(props.syncFunction, 'sync'),
        ...(props.serveFunction ? lambdaHealth(props.serveFunction, 'serve') : []),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Cold starts', [search(METRICS.coldStart, 'Sum')]),
      graph('ALB healthy hosts', [
        targetGroup.metrics.healthyHostCount({ statistic: 'Minimum', label: 'healthy', ...perMinute }),
        targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', label: 'unhealthy', ...perMinute }),
      ]),
      graph('ALB requests', [alb.metrics.requestCount({ statistic: 'Sum', ...perMinute })]),
    );
  }
}
