import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PRESETS } from '../../infra/settings';
import { nagReportOf, stackSynthesizer, type SynthesizedStack } from '../support/synthesized-stack';

const synthesizer = stackSynthesizer();
let demo: SynthesizedStack;

beforeAll(() => {
  demo = synthesizer.synthesize({ preset: 'demo' });
});
afterAll(() => synthesizer.cleanup());

/** Every function's environment in the template. */
const functionEnvironments = (stack: SynthesizedStack) =>
  Object.values(stack.template.findResources('AWS::Lambda::Function')).map((fn) => (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>);

describe('-c preset=demo, the cheapest stack that still shows every path', () => {
  it('provisions each stream with one shard instead of on-demand capacity', () => {
    const streams = Object.values(demo.template.findResources('AWS::Kinesis::Stream')).map((s) => s.Properties);

    expect(streams).toHaveLength(2);
    for (const stream of streams) expect(stream).toMatchObject({ ShardCount: 1, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
  });

  it('keeps only the alarms a deployment rolls back on', () => {
    const alarms = Object.keys(demo.template.findResources('AWS::CloudWatch::Alarm'));
    const rollback = Object.values(demo.stack.rollout.alarms).map(
      (alarm) => demo.stack.resolve(demo.stack.getLogicalId(alarm.node.defaultChild as never)) as string,
    );

    expect(alarms.sort()).toEqual(rollback.sort());
    demo.template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
  });

  it('keeps every log group three days', () => {
    const retention = Object.values(demo.template.findResources('AWS::Logs::LogGroup')).map((group) => group.Properties.RetentionInDays);

    expect(retention.length).toBeGreaterThanOrEqual(5);
    expect(new Set(retention)).toEqual(new Set([RetentionDays.THREE_DAYS]));
  });

  it('captures one prediction in ten on every function that captures', () => {
    const rates = functionEnvironments(demo).flatMap((env) => (env.CAPTURE_SAMPLE_RATE === undefined ? [] : [env.CAPTURE_SAMPLE_RATE]));

    expect(rates).toEqual(['0.1', '0.1']);
  });

  it('passes cdk-nag with no finding left unacknowledged', () => {
    for (const report of nagReportOf(demo.testApp.outdir))
      expect({ plugin: report.pluginName, conclusion: report.conclusion, violations: report.violations }).toEqual({
        plugin: report.pluginName,
        conclusion: 'success',
        violations: [],
      });
  });

  it('gives way to a key given explicitly', () => {
    const { template } = synthesizer.synthesize({ preset: 'demo', shardCount: '2', operationalAlarms: 'true' });

    for (const stream of Object.values(template.findResources('AWS::Kinesis::Stream'))) expect(stream.Properties.ShardCount).toBe(2);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThan(
      Object.keys(demo.template.findResources('AWS::CloudWatch::Alarm')).length,
    );
  });

  it('is the only preset, and sets only keys the context accepts', () => {
    expect(Object.keys(PRESETS)).toEqual(['demo']);
    expect(Object.keys(PRESETS.demo).sort()).toEqual(['captureSampleRate', 'logRetentionDays', 'operationalAlarms', 'shardCount']);
  });
});

describe('context mistakes', () => {
  it('names an unknown preset and the ones there are', () => {
    expect(() => synthesizer.synthesize({ preset: 'cheap' })).toThrow(/^invalid context preset: must be one of demo$/);
  });

  it('names a key the stack does not read, suggesting the one meant', () => {
    expect(() => synthesizer.synthesize({ shardcount: '1' })).toThrow(/^unknown context key shardcount: did you mean shardCount\? \(docs\/deploy\.md\)$/);
    expect(() => synthesizer.synthesize({ turbo: 'true' })).toThrow(
      /^unknown context key turbo: the keys are preset, architecture, .*captureSampleRate \(docs\/deploy\.md\)$/,
    );
  });

  it('says what a value allows', () => {
    expect(() => synthesizer.synthesize({ deployment: 'foo' })).toThrow(/^invalid context deployment: must be one of canary, linear, allAtOnce$/);
    expect(() => synthesizer.synthesize({ captureSampleRate: '2' })).toThrow(/^invalid context captureSampleRate: must be at most 1$/);
    expect(() => synthesizer.synthesize({ shardCount: 'many' })).toThrow(/^invalid context shardCount: must be a number$/);
  });
});
