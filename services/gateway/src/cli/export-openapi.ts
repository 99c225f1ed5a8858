// `make build` writes the public API's OpenAPI document with this, so that `redocly lint` can
// check it and openapi-typescript can type the dashboard's API client from it without a running
// gateway. The server URL is PUBLIC_URL, else the default local gateway.
//   node services/gateway/dist/cli/export-openapi.js > openapi.json
import { parseConfig } from '@sightline/config';
import { config } from '../config';
import type { GatewayDeps } from '../routes/deps';
import { allRoutes } from '../routes';
import { buildOpenApi, OPENAPI_VERSION } from '../routes/openapi';

const settings = parseConfig(config.schema, process.env);
const routes = allRoutes({ config: settings } as GatewayDeps);
const serverUrl = settings.PUBLIC_URL ?? `http://127.0.0.1:${settings.PORT}`;
process.stdout.write(`${JSON.stringify(buildOpenApi(routes, { version: OPENAPI_VERSION, serverUrl }), null, 2)}\n`);
