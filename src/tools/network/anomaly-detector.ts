/**
 * Anomaly detection on counter series (error rates, throughput, utilisation): an EWMA
 * baseline, and a robust z-score of each point's deviation from it (median and MAD of past
 * deviations, so one burst does not hide the next). Flags bursts, drops and saturation.
 */

/** One flagged point of a series. */
export interface Anomaly {
  index: number;
  value: number;
  baseline: number;
  score: number;
  kind: 'burst' | 'drop' | 'saturation';
}

/** Tuning of the detector. */
export interface AnomalyOptions {
  /** EWMA smoothing factor (0..1). */
  alpha?: number;
  /** |robust z| above which a point is anomalous. */
  threshold?: number;
  /** Points used to learn the baseline before anything is flagged. */
  warmup?: number;
  /** Smallest deviation scale, so a perfectly flat series does not flag noise. */
  minimumScale?: number;
  /** Values at or above this are saturation whatever the baseline (for utilisation series). */
  saturationAt?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Returns the anomalous points of `series`; anomalous points do not move the baseline. */
export function detectAnomalies(series: number[], options: AnomalyOptions = {}): Anomaly[] {
  const { alpha = 0.3, threshold = 3.5, warmup = 5, minimumScale = 1e-6, saturationAt } = options;
  const anomalies: Anomaly[] = [];
  const deviations: number[] = [];
  let baseline = series[0] ?? 0;
  series.forEach((value, index) => {
    if (saturationAt !== undefined && value >= saturationAt) {
      anomalies.push({ index, value, baseline, score: Infinity, kind: 'saturation' });
      return;
    }
    const deviation = value - baseline;
    if (index >= warmup && deviations.length >= 3) {
      const center = median(deviations);
      const scale = Math.max(1.4826 * median(deviations.map((past) => Math.abs(past - center))), minimumScale, Math.abs(baseline) * 0.05);
      const score = (deviation - center) / scale;
      if (Math.abs(score) > threshold) {
        anomalies.push({ index, value, baseline, score: Math.round(score * 100) / 100, kind: score > 0 ? 'burst' : 'drop' });
        return;
      }
    }
    if (index > 0) deviations.push(deviation);
    if (deviations.length > 100) deviations.shift();
    baseline = alpha * value + (1 - alpha) * baseline;
  });
  return anomalies;
}
