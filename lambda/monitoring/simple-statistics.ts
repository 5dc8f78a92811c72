/**
 * simple-statistics declares ES-module types only, while its package ships a CommonJS build
 * (`exports.require`); this project compiles to CommonJS, so the build is required and typed
 * with the package's own declarations.
 */
import type * as SimpleStatistics from 'simple-statistics' with { 'resolution-mode': 'import' };

export const simpleStatistics = require('simple-statistics') as typeof SimpleStatistics;
