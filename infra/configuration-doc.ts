import { configurationReference } from '../lambda/config/reference';
import { contextReference } from './context-reference';

/**
 * docs/configuration.md as `npm run docs:config` writes it: the environment every program reads
 * (lambda/config/) and the CDK context the stack reads (infra/context.ts); test/docs/configuration.test.ts
 * checks the committed file is exactly this.
 */
export function configurationDocument(): string {
  return `${configurationReference()}\n${contextReference()}`;
}
