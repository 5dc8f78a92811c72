import { batchScriptTargets, kinesisScriptTargets } from '../../bench/script-targets';

describe('targets read from the standalone bench scripts', () => {
  it("checks the Kinesis handler's records/s on 1,000-record events written to the loopback server", () => {
    const output = [
      'node v20.20.2, kinesalite on http://127.0.0.1:40000, medians',
      '  100 records, written to kinesalite:    4.1 ms/event,  24,390 records/s, model run 0.40 ms (9.8% of the handler)',
      ' 1000 records, written to kinesalite:   16.0 ms/event,  62,500 records/s, model run 1.20 ms (7.5% of the handler)',
      ' 1000 records, TEST_RUN, no writes  :    5.0 ms/event, 200,000 records/s, model run 1.10 ms (22.0% of the handler)',
    ].join('\n');

    expect(kinesisScriptTargets(output)).toEqual([
      { name: 'Kinesis handler, 1,000-record events, output on loopback', target: '≥ 50,000 records/s', measured: '62,500 records/s', met: true },
    ]);
  });

  it('names the bound of a missed Kinesis target: the same events without writes', () => {
    const output = [
      ' 1000 records, written to kinesalite:  126.8 ms/event,   7,889 records/s, model run 3.15 ms (2.6% of the handler)',
      ' 1000 records, TEST_RUN, no writes  :    4.8 ms/event, 207,302 records/s, model run 0.61 ms (12.5% of the handler)',
    ].join('\n');

    const [check] = kinesisScriptTargets(output);

    expect(check?.met).toBe(false);
    expect(check?.note).toContain('207,302 records/s');
    expect(check?.note).toContain('96.2 %');
  });

  it('makes no Kinesis check when the line it reads is not there', () => {
    expect(kinesisScriptTargets('something else entirely')).toEqual([]);
  });

  it('compares ours on parquet with pandas per size, rows/s and peak RSS', () => {
    const output = [
      '| runner | rows | seconds | rows/s | peak RSS (MB) |',
      '|---|---:|---:|---:|---:|',
      '| node (hyparquet), parquet → parquet | 200,000 | 0.80 | 250,000 | 180 |',
      '| node, CSV → CSV | 200,000 | 1.00 | 200,000 | 150 |',
      '| pandas + scikit-learn, CSV → CSV | 200,000 | 4.00 | 50,000 | 400 |',
      '| node (hyparquet), parquet → parquet | 3,000,000 | 15.00 | 200,000 | 900 |',
      '| pandas + scikit-learn, CSV → CSV | 3,000,000 | 50.00 | 60,000 | 700 |',
    ].join('\n');

    const checks = batchScriptTargets(output);

    expect(checks.map((c) => [c.name, c.met])).toEqual([
      ['batch, 200,000 rows: rows/s vs pandas, at no more peak RSS', true],
      ['batch, 3,000,000 rows: rows/s vs pandas, at no more peak RSS', false],
    ]);
    expect(checks[1]?.measured).toBe('3.33× (200,000 vs 60,000 rows/s), RSS 900 vs 700 MB');
  });
});
