#!/usr/bin/env node
// Writes the checks generated from zod schemas (src/schema-compile.ts) next to their schemas.
// Run after `npm run build` whenever a schema below changes; test/unit/schema-compile.test.ts
// fails while a generated file is stale.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { compileSchema } = require(join(TOP, 'dist/schema-compile.js'));
/** [generated file under src/, compiled schema module, export, name] */
const CHECKS = [
  ['engine/container-record-check.ts', 'engine/container-schema.js', 'ContainerRecord', 'ContainerRecord'],
  ['engine/health-check.ts', 'engine/health-schema.js', 'Healthcheck', 'Healthcheck'],
  ['runtime/spec-check.ts', 'runtime/spec-schema.js', 'RuntimeSpec', 'RuntimeSpec'],
  ['runtime/state-check.ts', 'runtime/state-schema.js', 'RuntimeState', 'RuntimeState'],
  ['image/image-record-check.ts', 'image/image-record-schema.js', 'StoredImage', 'StoredImage'],
  ['image/layer-info-check.ts', 'image/layer-info-schema.js', 'LayerInfoSchema', 'LayerInfo'],
  ['network/network-records-check.ts', 'network/network-record-schema.js', 'NetworkRecords', 'NetworkRecords'],
  ['network/host-state-check.ts', 'network/host-state-schema.js', 'HostNetState', 'HostNetState'],
  ['network/schema-check.ts', 'network/schema.js', 'ContainerNetwork', 'ContainerNetwork'],
  ['image/image-config-check.ts', 'image/oci-types.js', 'ImageConfigFile', 'ImageConfigFile'],
];
for (const [out, mod, exp, name] of CHECKS) {
  writeFileSync(join(TOP, 'src', out), compileSchema(require(join(TOP, 'dist', mod))[exp], name));
  console.log(`wrote src/${out}`);
}
