/**
 * The course's model: one-hot(PU_DO) + trip_distance → least-squares linear regression of a
 * target (ride duration in minutes, or total amount in dollars).
 * With a one-hot block the normal equations are sparse, so they are solved by conjugate
 * gradient using only passes over the rows (no dense matrix of vocabulary × vocabulary).
 */
export interface TrainingExample {
  puDo: string;
  tripDistance: number;
  /** the value the model learns to predict */
  target: number;
}

export interface LinearModel {
  /** PU_DO categories in first-seen order; weights[i] belongs to vocabulary[i] */
  vocabulary: string[];
  weights: Float64Array;
  distanceCoef: number;
  intercept: number;
}

export interface FitOptions {
  /** tiny ridge term: makes the one-hot + intercept system non-singular */
  ridge?: number;
  iterations?: number;
  tolerance?: number;
}

export function fitLinearRegression(examples: readonly TrainingExample[], options: FitOptions = {}): LinearModel {
  const ridge = options.ridge ?? 1e-6;
  const maxIterations = options.iterations ?? 500;
  const tolerance = options.tolerance ?? 1e-10;

  const index = new Map<string, number>();
  const category = new Int32Array(examples.length);
  const distance = new Float64Array(examples.length);
  const target = new Float64Array(examples.length);
  examples.forEach((ex, i) => {
    let c = index.get(ex.puDo);
    if (c === undefined) index.set(ex.puDo, (c = index.size));
    category[i] = c;
    distance[i] = ex.tripDistance;
    target[i] = ex.target;
  });
  const v = index.size;
  const size = v + 2; // categories, distance, intercept

  // A·p = Xᵀ(X·p) + ridge·p, computed row by row.
  const applyNormal = (p: Float64Array, out: Float64Array): void => {
    out.fill(0);
    for (let i = 0; i < category.length; i++) {
      const c = category[i] as number;
      const d = distance[i] as number;
      const xp = (p[c] as number) + d * (p[v] as number) + (p[v + 1] as number);
      out[c] = (out[c] as number) + xp;
      out[v] = (out[v] as number) + d * xp;
      out[v + 1] = (out[v + 1] as number) + xp;
    }
    for (let j = 0; j < size; j++) out[j] = (out[j] as number) + ridge * (p[j] as number);
  };

  const b = new Float64Array(size);
  for (let i = 0; i < category.length; i++) {
    const c = category[i] as number;
    const y = target[i] as number;
    b[c] = (b[c] as number) + y;
    b[v] = (b[v] as number) + (distance[i] as number) * y;
    b[v + 1] = (b[v + 1] as number) + y;
  }

  // Jacobi-preconditioned conjugate gradient.
  const diag = new Float64Array(size).fill(ridge);
  for (let i = 0; i < category.length; i++) {
    const c = category[i] as number;
    const d = distance[i] as number;
    diag[c] = (diag[c] as number) + 1;
    diag[v] = (diag[v] as number) + d * d;
    diag[v + 1] = (diag[v + 1] as number) + 1;
  }
  const x = new Float64Array(size);
  const r = Float64Array.from(b);
  const z = r.map((ri, j) => ri / (diag[j] as number));
  const p = Float64Array.from(z);
  const ap = new Float64Array(size);
  let rz = dot(r, z);
  const bNorm = Math.sqrt(dot(b, b)) || 1;
  for (let it = 0; it < maxIterations && Math.sqrt(dot(r, r)) / bNorm > tolerance; it++) {
    applyNormal(p, ap);
    const alpha = rz / dot(p, ap);
    for (let j = 0; j < size; j++) {
      x[j] = (x[j] as number) + alpha * (p[j] as number);
      r[j] = (r[j] as number) - alpha * (ap[j] as number);
    }
    for (let j = 0; j < size; j++) z[j] = (r[j] as number) / (diag[j] as number);
    const rzNext = dot(r, z);
    const beta = rzNext / rz;
    rz = rzNext;
    for (let j = 0; j < size; j++) p[j] = (z[j] as number) + beta * (p[j] as number);
  }

  return { vocabulary: [...index.keys()], weights: x.slice(0, v), distanceCoef: x[v] as number, intercept: x[v + 1] as number };
}

/** The same prediction the exported ONNX graph computes (unknown PU_DO contributes 0). */
export function predictLinear(model: LinearModel, lookup: Map<string, number>, puDo: string, tripDistance: number): number {
  const c = lookup.get(puDo);
  return (c === undefined ? 0 : (model.weights[c] as number)) + model.distanceCoef * tripDistance + model.intercept;
}

export function rmse(model: LinearModel, examples: readonly TrainingExample[]): number {
  const lookup = new Map(model.vocabulary.map((s, i) => [s, i]));
  let sum = 0;
  for (const ex of examples) {
    const err = predictLinear(model, lookup, ex.puDo, ex.tripDistance) - ex.target;
    sum += err * err;
  }
  return Math.sqrt(sum / Math.max(1, examples.length));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] as number) * (b[j] as number);
  return s;
}
