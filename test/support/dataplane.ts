import { createDataplane, type Dataplane, type PredictionEvent, type PredictionObserver } from '../../lambda/serving/dataplane';

/**
 * The dataplane as services.ts builds it, for tests that call a protocol's handler directly:
 * `observe` (a recorder, capture, metrics) is told about every inference; an observer that throws
 * fails the test instead of being logged.
 */
export function testDataplane(observe?: PredictionObserver): Dataplane {
  return createDataplane({
    ...(observe ? { observe } : {}),
    onObserverError: (error) => {
      throw error;
    },
  });
}

/** A prediction event as the dataplane makes one, for observers tested on their own: nothing refused by default. */
export function predictionEvent(
  event: Omit<PredictionEvent, 'refused' | 'failures'> & Partial<Pick<PredictionEvent, 'refused' | 'failures'>>,
): PredictionEvent {
  return { refused: new Set(), failures: 0, ...event };
}
