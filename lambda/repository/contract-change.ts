import type { RequestField } from '../model/model-input';

/**
 * What a hot swap would change in what clients must send, field by field: a new required field, a
 * removed field, a narrower kind (text vs number, a number that must now be whole), a narrower
 * bound, or a field that may no longer be left out. Each is one sentence naming the field.
 * Changes that only accept more (a wider bound, a new optional field) are not listed.
 *
 * @example contractChanges(served.fields, candidate.fields) // ["new required field 'passenger_count'"]
 */
export function contractChanges(served: readonly RequestField[], candidate: readonly RequestField[]): string[] {
  const before = new Map(served.map((field) => [field.name, field]));
  const after = new Map(candidate.map((field) => [field.name, field]));
  const changes: string[] = [];
  for (const [name, field] of after) {
    const old = before.get(name);
    if (!old) {
      if (!field.nullable) changes.push(`new required field '${name}'`);
      continue;
    }
    changes.push(...narrowings(old, field));
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push(`field '${name}' removed`);
  return changes;
}

function narrowings(old: RequestField, field: RequestField): string[] {
  const name = field.name;
  const changes: string[] = [];
  if ((old.kind === 'string') !== (field.kind === 'string')) changes.push(`'${name}' changes from ${old.kind} to ${field.kind}`);
  else if (old.kind === 'number' && field.kind === 'integer') changes.push(`'${name}' must now be a whole number`);
  if (field.min !== undefined && (old.min === undefined || field.min > old.min))
    changes.push(`'${name}' minimum rises from ${old.min ?? 'none'} to ${field.min}`);
  if (field.max !== undefined && (old.max === undefined || field.max < old.max))
    changes.push(`'${name}' maximum falls from ${old.max ?? 'none'} to ${field.max}`);
  if (old.nullable && !field.nullable) changes.push(`'${name}' may no longer be null or left out`);
  return changes;
}

/** A hot swap refused because it would change what clients must send (MODEL_REFRESH_ALLOW_CONTRACT_CHANGE allows it). */
export class ContractChangeError extends Error {
  readonly code = 'CONTRACT_CHANGE' as const;
  override readonly name = 'ContractChangeError';

  constructor(
    model: string,
    readonly changes: readonly string[],
  ) {
    super(
      `model '${model}': the new model changes what clients must send (${changes.join('; ')}); set MODEL_REFRESH_ALLOW_CONTRACT_CHANGE=true to swap it in anyway`,
    );
  }
}
