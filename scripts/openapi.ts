/** `npm run openapi`: writes docs/openapi.json from the route table and the handlers' schemas (functions/admin/openapi.ts). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../functions/admin/openapi';

const file = join(__dirname, '..', 'docs', 'openapi.json');
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
// In the repository's format, so that `biome format .` (npm test) accepts it as written.
execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', file], { stdio: 'ignore' });
console.log(`wrote ${file}`);
