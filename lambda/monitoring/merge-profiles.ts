import type { ReferenceProfile } from './profile-schema';

/**
 * One reference from the profiles of several models trained on the same rows (`npm run train`
 * writes `models/reference-profile.json` for duration and `models/cost/reference-profile.json` for
 * cost): the first profile's rows, inputs and context, and every profile's predictions, actuals,
 * quality sums and model metrics, so each model gets its prediction-drift panel and its training
 * RMSE. Where two profiles describe the same model, the first wins, and a second version's
 * training metrics are kept under `models[name].versions` (each version's RMSE then has its own
 * training RMSE to be compared with).
 *
 * @example mergeProfiles([durationProfile, costProfile]).models // { duration: {...}, cost: {...} }
 */
export function mergeProfiles(profiles: readonly ReferenceProfile[]): ReferenceProfile {
  const [first, ...rest] = profiles;
  if (!first) throw new Error('mergeProfiles needs at least one profile');
  const merged: ReferenceProfile = { ...first, predictions: { ...first.predictions }, actuals: { ...first.actuals }, quality: { ...first.quality }, models: { ...first.models } };
  for (const profile of rest) {
    for (const key of ['predictions', 'actuals', 'quality'] as const) {
      const into = merged[key] as Record<string, unknown>;
      for (const [model, value] of Object.entries(profile[key])) if (!(model in into)) into[model] = value;
    }
    for (const [model, described] of Object.entries(profile.models)) {
      const known = merged.models[model];
      if (!known) merged.models[model] = described;
      else if (described.version !== undefined && described.version !== known.version && described.metrics) {
        merged.models[model] = { ...known, versions: { ...known.versions, [described.version]: described.metrics } };
      }
    }
  }
  return merged;
}
