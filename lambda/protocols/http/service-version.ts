import { version } from '../../../package.json';

/** The service's version (package.json's): OIP v2's server metadata and MLflow's `GET /version` answer it. */
export const SERVICE_VERSION: string = version;
