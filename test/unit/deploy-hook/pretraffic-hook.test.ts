import { handlePreTrafficHook, kinesisEvent } from '../../../lambda/deploy-hook/pretraffic-hook';
import { preTrafficSettings } from '../../../lambda/deploy-hook/settings';
import { isPreTrafficCheck } from '../../../lambda/protocols/pretraffic/check-event';
import { decodeRideEnvelope } from '../../../lambda/protocols/kinesis/ride-event';

/**
 * The hook's edges. Its checks against a real new version, the real SDK clients and loopback
 * Lambda and CodeDeploy peers run in test/artifacts/lambda-asset.test.ts.
 */
describe('the PreTraffic hook', () => {
  it('takes its target from PRETRAFFIC_TARGET, a qualified function ARN, and says in one line what is wrong otherwise', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:RideDurationPrediction-Predict:7';
    expect(preTrafficSettings({ PRETRAFFIC_TARGET: arn })).toEqual({ target: arn });
    expect(() => preTrafficSettings({})).toThrow('PRETRAFFIC_TARGET is not set');
    expect(() => preTrafficSettings({ PRETRAFFIC_TARGET: arn.replace(/:7$/, '') })).toThrow(
      'PRETRAFFIC_TARGET must be a qualified function ARN (…:function:<name>:<version>)',
    );
  });

  it("refuses an event that is not CodeDeploy's, before invoking or reporting anything", async () => {
    const sent: unknown[] = [];
    const deps = {
      target: 'arn',
      lambda: { send: async (c: unknown) => sent.push(c) },
      codedeploy: { send: async (c: unknown) => sent.push(c) },
      logger: { info: () => undefined, error: () => undefined },
    };

    await expect(handlePreTrafficHook({ DeploymentId: 'd-1' }, deps as never)).rejects.toThrow(/LifecycleEventHookExecutionId/);
    expect(sent).toEqual([]);
  });

  it('sends example rides as Kinesis records the stream adapter decodes, one ride id each', () => {
    const event = kinesisEvent([
      { rideId: 'pretraffic-d-1-duration-0', ride: { PULocationID: 1, DOLocationID: 2, trip_distance: 3 } },
      { rideId: 'pretraffic-d-1-cost-0', ride: { PULocationID: 4, DOLocationID: 5, trip_distance: null } },
    ]);

    expect(event.Records.map((r) => decodeRideEnvelope(r.kinesis.data))).toEqual([
      { ok: true, rideId: 'pretraffic-d-1-duration-0', ride: { PULocationID: 1, DOLocationID: 2, trip_distance: 3 } },
      { ok: true, rideId: 'pretraffic-d-1-cost-0', ride: { PULocationID: 4, DOLocationID: 5, trip_distance: null } },
    ]);
    expect(new Set(event.Records.map((r) => r.kinesis.sequenceNumber)).size).toBe(2);
  });

  it('is routed by the predict function only for a pretraffic check', () => {
    expect(isPreTrafficCheck({ pretraffic: { describe: 'examples' } })).toBe(true);
    expect(isPreTrafficCheck({ pretraffic: 'examples' })).toBe(false);
    expect(isPreTrafficCheck({ Records: [] })).toBe(false);
    expect(isPreTrafficCheck(null)).toBe(false);
  });
});
