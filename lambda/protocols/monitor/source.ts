import { once, type EventSource } from '../event-source';
import { isMonitorEvent } from './monitor-event';

const load = once(() => import('./monitor-handler.js'));

/** The monitor's schedule (EventBridge): `{"monitor": "scheduled", "time": …}`. */
export const monitorSource: EventSource = {
  name: 'monitor schedule',
  matches: isMonitorEvent,
  handle: async (event, services) => {
    const monitor = await load();
    return monitor.handleMonitorEvent(event, monitor.createMonitorDeps(services));
  },
};
