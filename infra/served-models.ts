import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Annotations, Aws, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { SHIPPED_MODELS, type ModelPair } from '../lambda/contract';
import { logicalIdOf } from './buckets';
import { PROJECT_ROOT, UPLOAD_PREFIX, modelSourceOf, uploadPrefixOf, uploadedLocationKey, type ModelSource, type ProjectModelSource } from './model-sources';
import { acknowledgeNag } from './nag';
import { DEFAULT_MODEL_KEY, type PredictSettings } from './settings';
import { ContextError } from './errors';

/** One model as the functions are configured with it. */
export interface DeployedModel {
  readonly name: string;
  readonly source: ModelSource;
  /** what goes into MODELS / SHADOW_MODELS: s3://bucket/key or s3://bucket/prefix (may hold tokens) */
  readonly location: string;
}

export interface ServedModelsProps {
  readonly settings: PredictSettings;
  /** the model bucket (created by the stack, or an existing one) */
  readonly bucket: IBucket;
}

/**
 * The models the functions serve and shadow: project files uploaded under content-addressed keys
 * (`models/<name>/<sha256>/model.onnx`, never overwritten, never pruned), s3:// locations taken as
 * they are; the MODELS / SHADOW_MODELS values; and read grants on exactly what the runtime reads.
 */
export class ServedModels extends Construct {
  readonly models: readonly DeployedModel[];
  readonly shadows: readonly DeployedModel[];
  /** every object the stack uploads: its key in the model bucket and the project file it comes from */
  readonly uploads: readonly { readonly key: string; readonly path: string }[];
  private readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props: ServedModelsProps) {
    super(scope, id);
    const { settings, bucket } = props;
    this.bucket = bucket;
    const sources = modelPairsOf(settings).map((pair) => ('source' in pair ? pair.source : modelSourceOf(pair)));
    const shadowSources = settings.shadowModels.map((pair) => modelSourceOf(pair));
    const uploads = [...sources, ...shadowSources].filter(isProjectSource);
    if (uploads.length > 0 && !settings.uploadDefaultModel) {
      const names = uploads.map((source) => `'${source.name}' (${source.path})`).join(', ');
      throw new ContextError(
        'uploadDefaultModel',
        `models ${names} are project files the stack would upload into ${settings.modelBucketName ?? 'the model bucket'}; ` +
          'give s3:// locations, or allow the upload with -c uploadDefaultModel=true',
      );
    }
    this.uploads = this.upload(uploads);
    if (settings.modelRefreshSeconds !== undefined && sources.every(isProjectSource)) {
      Annotations.of(this).addWarningV2(
        'rollout:refresh-without-mutable-model',
        'modelRefreshSeconds has nothing to watch: uploaded models live under content-addressed keys that never change. Hot swap is for an s3:// key you overwrite.',
      );
    }
    this.models = sources.map((source) => this.deployed(source));
    this.shadows = shadowSources.map((source) => this.deployed(source));
  }

  /** The key of the primary (first) model's .onnx object when it is in the model bucket. */
  get primaryKey(): string | undefined {
    const source = this.models[0]?.source;
    if (source?.kind === 'project-file') return uploadedLocationKey(source);
    if (source?.kind === 's3-object' && source.bucket === undefined) return source.key;
    return undefined;
  }

  /** The MODELS value: `name=location,...` in the configured order. */
  get modelsVariable(): string {
    return this.models.map((model) => `${model.name}=${model.location}`).join(',');
  }

  /** The SHADOW_MODELS value, or undefined when no shadow is configured. */
  get shadowModelsVariable(): string | undefined {
    return this.shadows.length === 0 ? undefined : this.shadows.map((model) => `${model.name}=${model.location}`).join(',');
  }

  /**
   * Lets `role` GetObject exactly what the runtime reads for the models (and the shadows, when
   * asked): an s3 object and its sidecar `<stem>.json`; everything under an MLflow prefix; for an
   * uploaded model, its content-addressed history `models/<name>/*` — the `live` alias's previous
   * version reads the previous key while a canary runs, and after a rollback, with this same role.
   */
  grantRead(role: IRole, options: { shadows: boolean }): void {
    const models = options.shadows ? [...this.models, ...this.shadows] : this.models;
    const resources = [...new Set(models.flatMap((model) => this.readResources(model.source)))];
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources }));
    for (const model of models) this.acknowledgeWildcard(role, model.source);
  }

  private deployed(source: ModelSource): DeployedModel {
    const location = (() => {
      switch (source.kind) {
        case 'project-file':
        case 'project-directory':
          return `s3://${this.bucket.bucketName}/${uploadedLocationKey(source)}`;
        case 's3-object':
          return `s3://${source.bucket ?? this.bucket.bucketName}/${source.key}`;
        case 's3-prefix':
          return `s3://${source.bucket}/${source.prefix}`;
      }
    })();
    return { name: source.name, source, location };
  }

  private readResources(source: ModelSource): string[] {
    switch (source.kind) {
      case 'project-file':
      case 'project-directory':
        return [this.bucket.arnForObjects(`${UPLOAD_PREFIX}${source.name}/*`)];
      case 's3-object': {
        const sidecar = source.key.replace(/\.onnx$/, '.json');
        return source.bucket === undefined
          ? [this.bucket.arnForObjects(source.key), this.bucket.arnForObjects(sidecar)]
          : [objectArn(source.bucket, source.key), objectArn(source.bucket, sidecar)];
      }
      case 's3-prefix':
        return [objectArn(source.bucket, `${source.prefix}/*`)];
    }
  }

  private acknowledgeWildcard(role: IRole, source: ModelSource): void {
    if (isProjectSource(source)) {
      const resource = nagObjectsOf(this.bucket, `${UPLOAD_PREFIX}${source.name}/*`);
      acknowledgeNag(
        role,
        `AwsSolutions-IAM5[Resource::${resource}]`,
        `Read-only, the content-addressed versions of model '${source.name}' only: the previous Lambda version reads its own key during a canary and after a rollback.`,
      );
    } else if (source.kind === 's3-prefix') {
      acknowledgeNag(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${source.bucket}/${source.prefix}/*]`,
        `Read-only, the files of the MLflow model directory of model '${source.name}' (MLmodel and the ONNX file it names).`,
      );
    }
  }

  /** One BucketDeployment per distinct content-addressed prefix; old keys are kept for rollbacks. */
  private upload(sources: readonly ProjectModelSource[]): Array<{ key: string; path: string }> {
    const byPrefix = new Map(sources.map((source) => [uploadPrefixOf(source), source]));
    const objects: Array<{ key: string; path: string }> = [];
    let index = 0;
    for (const [prefix, source] of byPrefix) {
      // Stable ids: a new model updates the same custom resource (retained objects, new prefix).
      const deployment = new BucketDeployment(this, `Upload${index++}`, {
        sources: [
          source.kind === 'project-file'
            ? Source.asset(resolve(source.path, '..'), { exclude: ['**', ...source.files.map((file) => `!${file}`)] })
            : Source.asset(source.path),
        ],
        destinationBucket: this.bucket,
        destinationKeyPrefix: prefix,
        prune: false,
        retainOnDelete: true,
        extract: true,
      });
      acknowledgeBucketDeployment(deployment, this.bucket);
      const dir = source.kind === 'project-file' ? resolve(source.path, '..') : source.path;
      for (const file of source.files) objects.push({ key: `${prefix}${file}`, path: resolve(dir, file) });
    }
    return objects;
  }
}

/** What the stack serves when `models` is not given. */
function modelPairsOf(settings: PredictSettings): Array<ModelPair | { source: ModelSource }> {
  if (settings.models) return [...settings.models];
  if (settings.modelKey !== undefined || settings.modelBucketName !== undefined) {
    // Legacy single-model mode: a key of the model bucket (the stack's or an existing one).
    return [{ source: { kind: 's3-object', name: 'duration', key: settings.modelKey ?? DEFAULT_MODEL_KEY } }];
  }
  // The shipped models present in this checkout (cost may not be trained yet in an old clone).
  return SHIPPED_MODELS.filter((model) => existsSync(resolve(PROJECT_ROOT, model.path))).map(({ name, path }) => ({ name, location: path }));
}

function isProjectSource(source: ModelSource): source is ProjectModelSource {
  return source.kind === 'project-file' || source.kind === 'project-directory';
}

/** How cdk-nag spells the ARN of `pattern` in a bucket: by logical id when the stack owns it, else by name. */
function nagObjectsOf(bucket: IBucket, pattern: string): string {
  return bucket.node.defaultChild ? `<${logicalIdOf(bucket)}.Arn>/${pattern}` : `arn:<AWS::Partition>:s3:::${bucket.bucketName}/${pattern}`;
}

function objectArn(bucket: string, key: string): string {
  return `arn:${Aws.PARTITION}:s3:::${bucket}/${key}`;
}

/**
 * cdk-nag findings on CDK's own BucketDeployment handler (a stack-level singleton whose code,
 * runtime and role aws-cdk-lib makes), acknowledged on the deployment and on the handler.
 */
function acknowledgeBucketDeployment(deployment: BucketDeployment, bucket: IBucket): void {
  const handler = Stack.of(deployment).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  const cdkOwned = "CDK's own BucketDeployment handler (copies the project's models from the CDK assets bucket on deploy)";
  for (const scope of [deployment, handler ?? deployment]) {
    acknowledgeNag(scope, 'AwsSolutions-L1', `${cdkOwned}: its runtime is chosen by aws-cdk-lib.`);
    acknowledgeNag(
      scope,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `${cdkOwned}: the managed policy covers its own logs only.`,
    );
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']) {
      acknowledgeNag(scope, `AwsSolutions-IAM5[Action::${action}]`, `${cdkOwned}: reads the assets bucket and writes the model bucket, as CDK grants it.`);
    }
    acknowledgeNag(
      scope,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      `${cdkOwned}: reads the staged asset from the bootstrap assets bucket.`,
    );
    acknowledgeNag(scope, `AwsSolutions-IAM5[Resource::${nagObjectsOf(bucket, '*')}]`, `${cdkOwned}: writes models/ into the model bucket.`);
  }
}
