/** The part of jstat (untyped CommonJS) the drift tests use. */
declare module 'jstat' {
  export const jStat: {
    chisquare: { cdf(x: number, dof: number): number };
    normal: { cdf(x: number, mean: number, std: number): number };
  };
}
