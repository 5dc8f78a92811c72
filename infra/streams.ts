import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import type { PredictSettings } from './settings';

/**
 * The streaming mode's plumbing: ride events in, predictions out (both encrypted with the
 * aws/kinesis key), and the queue where Lambda puts what it gave up on after retries.
 */
export class PredictionStreams extends Construct {
  readonly input: Stream;
  readonly output: Stream;
  /** metadata of batches that still failed after bisecting and retrying (or grew too old) */
  readonly onFailure: Queue;
  /** for ride-event producers: put records on the input stream, nothing else */
  readonly producerPolicy: ManagedPolicy;

  constructor(
    scope: Construct,
    id: string,
    private readonly settings: PredictSettings,
  ) {
    super(scope, id);
    const capacity =
      settings.shardCount === undefined ? { streamMode: StreamMode.ON_DEMAND } : { streamMode: StreamMode.PROVISIONED, shardCount: settings.shardCount };
    const streamProps = { ...capacity, encryption: StreamEncryption.MANAGED, retentionPeriod: Duration.hours(24), removalPolicy: RemovalPolicy.DESTROY };
    this.input = new Stream(this, 'RideEvents', streamProps);
    this.output = new Stream(this, 'RidePredictions', streamProps);
    this.onFailure = new Queue(this, 'OnFailure', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.producerPolicy = this.createProducerPolicy();
    acknowledgeNag(this.onFailure, 'AwsSolutions-SQS3', "This queue is itself the event source mapping's on-failure destination (a dead-letter queue).");
  }

  /**
   * `kinesis:PutRecord(s)` on the input stream only. The stream is encrypted with the AWS-managed
   * aws/kinesis key, whose key policy already lets the account's principals use it through Kinesis,
   * so producers need no KMS statement; with a customer-managed key they need GenerateDataKey on it.
   */
  private createProducerPolicy(): ManagedPolicy {
    const statements = [new PolicyStatement({ actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [this.input.streamArn] })];
    if (this.input.encryptionKey) {
      statements.push(new PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [this.input.encryptionKey.keyArn] }));
    }
    return new ManagedPolicy(this, 'ProducerPolicy', {
      description: 'May put ride events on the input stream of the ride duration service, nothing else',
      statements,
    });
  }

  /**
   * Feeds the input stream to `fn`. The function reports failed records by sequence number
   * (ReportBatchItemFailures), so Lambda retries only from the first failure instead of the
   * whole batch; a batch that keeps failing is bisected, retried a bounded number of times,
   * then its metadata goes to the on-failure queue and the shard moves on.
   */
  connect(fn: IFunction): void {
    const s = this.settings;
    fn.addEventSource(
      new KinesisEventSource(this.input, {
        startingPosition: s.streamStartingPosition === 'TRIM_HORIZON' ? StartingPosition.TRIM_HORIZON : StartingPosition.LATEST,
        batchSize: s.streamBatchSize,
        maxBatchingWindow: Duration.seconds(s.streamBatchingWindowSeconds),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: s.streamRetryAttempts,
        maxRecordAge: Duration.seconds(s.streamMaxRecordAgeSeconds),
        parallelizationFactor: s.streamParallelizationFactor,
        onFailure: new SqsDlq(this.onFailure),
      }),
    );
  }
}
