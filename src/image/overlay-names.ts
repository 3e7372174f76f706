/**
 * How a layer spells a deletion: the OCI tar's names, and overlayfs's xattr for an opaque
 * directory (layer-writer.ts writes them; layered-file.ts, copy-up and diff read them, without
 * loading the tar extraction).
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
