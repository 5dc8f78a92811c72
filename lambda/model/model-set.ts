import { UnknownModelError, UnsupportedModelError } from '../serving/errors';
import type { InputBatch } from './input-batch';
import { unionFields, type RequestField } from './model-input';
import type { ModelRunObserver, SetPrediction } from './observers';
import { createRequestParser, type RequestParser } from './request-schema';
import type { ServedModel } from './served-model';

/** The model whose version is a reply's `model_version` (the course's field) when present. */
export const PRIMARY_MODEL = 'duration';

/**
 * The loaded models as one immutable snapshot. An adapter takes one set per request (or Kinesis
 * batch, or batch job) and uses it throughout, so a later swap never mixes versions in a reply.
 */
export interface ModelSet {
  /** in configuration (MODELS) order */
  readonly names: readonly string[];
  /** `duration` when loaded, else the first model: its version is the reply's `model_version` */
  readonly primary: string;
  /** the union of every model's request fields (constraints intersected) */
  readonly fields: readonly RequestField[];
  get(name: string): ServedModel | undefined;
  /** a model by name, or UnknownModelError */
  require(name: string): ServedModel;
  /** the union of the named models' fields */
  fieldsOf(names: readonly string[]): readonly RequestField[];
  /** the request parser for the named models (all by default), built once per set */
  requestParser(names?: readonly string[]): RequestParser;
  /** Runs each named model (all by default) on the same batch, concurrently. */
  predict(batch: InputBatch, names?: readonly string[]): Promise<SetPrediction>;
}

export interface ModelSetOptions {
  /** the shadow seam: told about each model run with its inputs and outputs */
  onModelRun?: ModelRunObserver;
}

/**
 * Builds the set. Models must have distinct names; two models reading one field must agree on
 * its kind (a text field for one cannot be a number for another).
 *
 * @example
 * const set = createModelSet([duration, cost]);
 * const { outputs, versions } = await set.predict(batch); // outputs.duration, outputs.cost
 */
export function createModelSet(models: readonly ServedModel[], options: ModelSetOptions = {}): ModelSet {
  if (models.length === 0) throw new UnsupportedModelError('a model set needs at least one model');
  const byName = new Map<string, ServedModel>();
  for (const model of models) {
    if (byName.has(model.name)) throw new UnsupportedModelError(`two models are named '${model.name}'`);
    byName.set(model.name, model);
  }
  const names = Object.freeze(models.map((m) => m.name));
  const fields = Object.freeze(
    unionFields(
      models.map((m) => m.fields),
      'model set',
    ),
  );
  const parsers = new Map<string, RequestParser>();
  const require = (name: string): ServedModel => {
    const model = byName.get(name);
    if (!model) throw new UnknownModelError(name);
    return model;
  };
  return Object.freeze({
    names,
    primary: byName.has(PRIMARY_MODEL) ? PRIMARY_MODEL : (names[0] as string),
    fields,
    get: (name: string) => byName.get(name),
    require,
    fieldsOf: (wanted: readonly string[]) =>
      unionFields(
        wanted.map((n) => require(n).fields),
        'model set',
      ),
    requestParser(wanted: readonly string[] = names): RequestParser {
      // Keyed by the names asked for, each checked first: at most one parser per subset of the set.
      const key = wanted.map((n) => require(n).name).join(',');
      let parser = parsers.get(key);
      if (!parser) {
        parser = createRequestParser(
          wanted === names
            ? fields
            : unionFields(
                wanted.map((n) => require(n).fields),
                'model set',
              ),
        );
        parsers.set(key, parser);
      }
      return parser;
    },
    async predict(batch: InputBatch, wanted: readonly string[] = names): Promise<SetPrediction> {
      const chosen = wanted.map(require);
      const results = await Promise.all(chosen.map((model) => model.predict(batch)));
      const outputs: Record<string, Float64Array> = {};
      const versions: Record<string, string> = {};
      chosen.forEach((model, i) => {
        const output = results[i] as Float64Array;
        outputs[model.name] = output;
        versions[model.name] = model.version;
        options.onModelRun?.({ model: model.name, version: model.version, batch, output });
      });
      return { outputs, versions };
    },
  });
}
