/**
 * Small statistics for benchmark figures: percentiles and medians.
 *
 * @module
 */

/** The `p`-th percentile (0–100) of `values` by the nearest-rank method; NaN if empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sortedPercentile(sorted, p);
}

/** Like {@linkcode percentile}, for values already sorted in ascending order. */
export function sortedPercentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(p / 100 * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median of `values`: the middle one, or the mean of the two middle ones; NaN if empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const middle = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

/** The mean of `values`; NaN if empty. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
