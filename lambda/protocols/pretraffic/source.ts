import { once, type EventSource } from '../event-source';
import { isPreTrafficCheck, type PreTrafficCheck } from './check-event';

const load = once(() => import('./check-handler.js'));

/** The canary's PreTraffic hook checking this version before it takes traffic (lambda/deploy-hook). */
export const preTrafficSource: EventSource = {
  name: 'PreTraffic check',
  matches: isPreTrafficCheck,
  handle: async (event, services) =>
    (await load()).handlePreTrafficCheck(event as PreTrafficCheck, { models: services.models, http: services.http, stream: services.stream }),
};
