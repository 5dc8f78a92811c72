import { startServer, type RunningServer } from '../../support/local-programs';
import { protocolNumbers, pythonClientMissing, runSpecClient, type ClientResults } from '../../support/python-client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModelSet } from '../../../lambda/model/model-set';
import { parseSidecar } from '../../../lambda/model/sidecar';
import { batchOf, servedModel, shippedModels } from '../../support/fixtures';
import { ROOT } from '../../support/local-programs';

/**
 * `npm start` as a client of each protocol sees it: a Python client written only from the
 * specifications (OIP v2, MLflow's scoring protocol; test/e2e/protocols/spec_client.py), with
 * payloads pandas makes, gets the numbers `/predict/<name>` gives, for the shipped models and for
 * a several-models setup (the README's MODELS=duration,cost,fare). Runs where Debian's
 * python3-requests and python3-pandas are installed (CI installs them).
 */

const missing = pythonClientMissing();
const describeWithPython = missing ? describe.skip : describe;
if (missing) console.warn(`skipping the Python protocol client: ${missing}`);

const RIDES = [
  { PULocationID: 10, DOLocationID: 50, trip_distance: 40, passenger_count: 1 },
  { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66, passenger_count: 2 },
  { PULocationID: 1, DOLocationID: 265, trip_distance: 0.5, passenger_count: 4 },
];

/** The several-models setup of the README, the fare model being the one docs/own-model.md builds. */
const FARE = 'test/fixtures/zoo/recipe/model.onnx';
const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const SEVERAL = `duration=models/model.onnx,cost=models/cost/model.onnx,fare=${FARE}`;

describeWithPython('a Python client of every protocol, against npm start', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  const setups: Array<[string, Record<string, string>, string[]]> = [
    ['the shipped models (duration, cost)', {}, ['duration', 'cost']],
    ['several models (MODELS=duration,cost,fare)', { MODELS: SEVERAL }, ['duration', 'cost', 'fare']],
    ['one model (MODELS=duration) behind API_TOKEN: MLflow answers bare numbers', { MODELS: 'duration=models/model.onnx', API_TOKEN: TOKEN }, ['duration']],
  ];

  describe.each(setups)('%s', (_setup, env, models) => {
    let results: ClientResults;
    let url: string;
    beforeAll(async () => {
      const server = await startServer(env);
      servers.push(server);
      url = server.url;
      results = await runSpecClient(server.url, models, RIDES, env.API_TOKEN);
    });

    if (env.API_TOKEN) {
      it.each(['/predict/duration', '/v2/models/duration/infer', '/invocations'])(
        'answers POST %s without the bearer token with 401, as /predict',
        async (path) => {
          const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

          expect(response.status).toBe(401);
        },
      );
    }

    it('gets from /predict/<name> what the models predict in process', async () => {
      const shipped = await shippedModels();
      const fare = await servedModel(
        'fare',
        new Uint8Array(readFileSync(join(ROOT, FARE))),
        'fare',
        parseSidecar(readFileSync(join(ROOT, FARE.replace(/\.onnx$/, '.json')), 'utf8'), 'fare'),
      );
      const inProcess = createModelSet([shipped.require('duration'), shipped.require('cost'), fare]);
      const { outputs } = await inProcess.predict(batchOf(RIDES), models);

      for (const name of models) expect(results.predict[name]).toEqual(Array.from(outputs[name] ?? []));
    });

    it('gets the numbers /predict/<name> gives on every protocol: OIP v2 and each MLflow format and CSV', () => {
      const byProtocol = protocolNumbers(results, models);

      expect(Object.keys(byProtocol)).toHaveLength(7);
      for (const [protocol, numbers] of Object.entries(byProtocol)) expect({ protocol, numbers }).toEqual({ protocol, numbers: results.predict });
    });

    it('reads the OIP v2 metadata and health the specification defines', () => {
      expect(results.oip).toMatchObject({ server: { name: expect.any(String), version: expect.any(String), extensions: [] }, live: 200, ready: 200 });
      for (const name of models)
        expect(results.oip.models[name]).toMatchObject({
          metadata: { name, platform: 'onnxruntime_onnx', versions: [expect.any(String)] },
          ready: 200,
          response: { model_name: name, id: `client-${name}` },
        });
    });

    it("reads SageMaker's /ping and MLflow's /version", () => {
      expect(results.mlflow.ping).toBe(200);
      expect(results.mlflow.version).toEqual({ status: 200, text: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    });
  });
});
