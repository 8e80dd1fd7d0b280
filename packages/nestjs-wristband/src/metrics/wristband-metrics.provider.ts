import type { Provider } from '@nestjs/common';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { WRISTBAND_OPTIONS } from '../wristband.constants.js';
import { createPromMetrics, loadPromClient } from './prom-metrics.factory.js';
import { WristbandMetrics } from './wristband-metrics.js';

/** prom-client metrics when the `metrics` option is set; no-ops (and prom-client never loaded) otherwise. */
export const wristbandMetricsProvider: Provider = {
  provide: WristbandMetrics,
  inject: [WRISTBAND_OPTIONS],
  useFactory: async (options: ResolvedWristbandOptions): Promise<WristbandMetrics> => {
    if (!options.metrics) return WristbandMetrics.disabled;
    return new WristbandMetrics(
      createPromMetrics(await loadPromClient(), options.metrics.registry),
    );
  },
};
