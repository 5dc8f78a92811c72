import fc from 'fast-check';
import { contractChanges } from '../../../lambda/repository/contract-change';
import type { RequestField } from '../../../lambda/model/model-input';

const field: fc.Arbitrary<RequestField> = fc.record(
  {
    name: fc.constantFrom('trip_distance', 'PULocationID', 'passenger_count', 'vendor'),
    kind: fc.constantFrom('string', 'number', 'integer'),
    min: fc.integer({ min: -10, max: 10 }),
    max: fc.integer({ min: 11, max: 100 }),
    nullable: fc.boolean(),
  },
  { requiredKeys: ['name', 'kind'] },
) as fc.Arbitrary<RequestField>;
const fields = fc.uniqueArray(field, { selector: (f) => f.name, maxLength: 4 });

/** Does every value `field` accepts pass `other` as well (bounds, kind, missing)? */
function widens(field: RequestField, other: RequestField): boolean {
  const kindOk = field.kind === other.kind || (field.kind === 'integer' && other.kind === 'number');
  return (
    kindOk &&
    (other.min === undefined || (field.min !== undefined && other.min <= field.min)) &&
    (other.max === undefined || (field.max !== undefined && other.max >= field.max)) &&
    (!field.nullable || other.nullable === true)
  );
}

describe('contractChanges', () => {
  it('lists nothing for the same fields, and a change for exactly the fields whose accepted values shrink', () => {
    fc.assert(
      fc.property(fields, fields, (served, candidate) => {
        expect(contractChanges(served, served)).toEqual([]);
        const changes = contractChanges(served, candidate);
        for (const after of candidate) {
          const before = served.find((f) => f.name === after.name);
          const expected = before ? !widens(before, after) : !after.nullable;
          expect(changes.some((c) => c.includes(`'${after.name}'`))).toBe(expected);
        }
        for (const before of served) if (!candidate.some((f) => f.name === before.name)) expect(changes).toContain(`field '${before.name}' removed`);
      }),
      { numRuns: 500 },
    );
  });
});
