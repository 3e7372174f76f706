/**
 * What the layer store knows about one unpacked layer (ROOT/layers/<hex>/layer.json) and where
 * it is: the reading side, light enough for the `run` path (no tar, no gzip).
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerInfo } from './layer-info-schema';
import { checkLayerInfo } from './layer-info-check';
import { paths } from '../paths';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { digestHex, shortDigest } from './digest';

export type { LayerInfo } from './layer-info-schema';

export const layerDir = (diffId: string) => join(paths.layers(), digestHex(diffId));
export const layerFsDir = (diffId: string) => join(layerDir(diffId), 'fs');
export const layerInfoPath = (diffId: string) => join(layerDir(diffId), 'layer.json');

export function hasLayer(diffId: string): boolean {
  return existsSync(layerInfoPath(diffId));
}

export function readLayerInfo(diffId: string): LayerInfo {
  let raw: string;
  try {
    raw = readFileSync(layerInfoPath(diffId), 'utf8');
  } catch {
    throw new UserError(`layer ${shortDigest(diffId)} is missing from the layer store (${paths.layers()}); remove the image and load or pull it again`);
  }
  const parsed = checkLayerInfo(JSON.parse(raw)) as LayerInfo | undefined;
  if (parsed === undefined || parsed.diffId !== diffId) throw new UserError(`layer ${shortDigest(diffId)}: corrupt ${layerInfoPath(diffId)}`);
  return parsed;
}

/** The short link name of a layer, re-creating the link if it went missing. */
export function shortLink(diffId: string): string {
  const info = readLayerInfo(diffId);
  const link = join(paths.layerLinks(), info.short);
  let ok = false;
  try { ok = readlinkSync(link) === `../${digestHex(diffId)}/fs`; } catch { /* missing */ }
  if (!ok) {
    withStateLock(() => {
      mkdirSync(paths.layerLinks(), { recursive: true });
      rmSync(link, { force: true });
      symlinkSync(`../${digestHex(diffId)}/fs`, link);
    });
  }
  return info.short;
}
