/**
 * libzstd (the zstd reference library; Debian's libzstd1 ships libzstd.so.1), through koffi:
 * streaming decompression, for zstd-compressed image layers on a Node whose node:zlib has no
 * zstd (before 22.15).
 *
 * The streaming API moves bytes through two small structs that the caller owns:
 *
 *   ZSTD_inBuffer  { const void *src; size_t size; size_t pos; }   what to read, how much is read
 *   ZSTD_outBuffer { void *dst;       size_t size; size_t pos; }   where to write, how much is written
 *
 * ZSTD_decompressStream(ds, &out, &in) reads from `in` and writes into `out`, advancing both
 * `pos` fields, and returns 0 when a frame is complete and flushed, a size hint > 0 while inside
 * a frame, or an error code (ZSTD_isError). After a frame it starts the next one by itself, so
 * concatenated frames decode as one stream.
 *
 * Memory stays bounded: one input and one output buffer of the sizes the library recommends
 * (ZSTD_DStreamInSize/OutSize, ~128 KiB each), allocated outside the JS heap, plus the frame's
 * window (the library refuses frames asking for more than 128 MiB). The output buffer is
 * handed out one fill at a time, so a small blob that expands enormously never sits in memory.
 */
import { traceNote } from './trace';
import { loadKoffi, type Koffi } from './koffi-load';

type Fn = (...args: unknown[]) => any;

/** What went wrong inside libzstd (corrupt data, a window too large, a stream cut short). */
export class ZstdDataError extends Error {
  readonly code = 'ZSTD_DATA';
}

let koffiModule: Koffi | null = null;
const koffi = (): Koffi => (koffiModule ??= loadKoffi()); // the one instance libc.ts uses too

interface Binding {
  createDStream: Fn; initDStream: Fn; freeDStream: Fn; decompressStream: Fn;
  isError: Fn; getErrorName: Fn; inSize: number; outSize: number;
}
let binding: Binding | null = null;
let loadError: string | null = null;

function bind(): Binding {
  const z = koffi().load('libzstd.so.1');
  // size_t results are declared int64_t: an error code is (size_t)-N, which as a signed 64-bit
  // value is a small negative number that survives the trip through a JS number exactly.
  const b = {
    createDStream: z.func('void *ZSTD_createDStream(void)') as Fn,
    initDStream: z.func('int64_t ZSTD_initDStream(void *ds)') as Fn,
    freeDStream: z.func('int64_t ZSTD_freeDStream(void *ds)') as Fn,
    decompressStream: z.func('int64_t ZSTD_decompressStream(void *ds, void *output, void *input)') as Fn,
    isError: z.func('unsigned int ZSTD_isError(int64_t code)') as Fn,
    getErrorName: z.func('const char *ZSTD_getErrorName(int64_t code)') as Fn,
    inSize: Number((z.func('int64_t ZSTD_DStreamInSize(void)') as Fn)()),
    outSize: Number((z.func('int64_t ZSTD_DStreamOutSize(void)') as Fn)()),
  };
  const version = (z.func('unsigned int ZSTD_versionNumber(void)') as Fn)() as number;
  traceNote(`libzstd.so.1 loaded (zstd ${Math.floor(version / 10000)}.${Math.floor(version / 100) % 100}.${version % 100})`);
  return b;
}

/** libzstd.so.1 loads (once per process; a failure is remembered, with its reason). */
export function libzstdAvailable(): boolean {
  if (binding) return true;
  if (loadError !== null) return false;
  try {
    binding = bind();
    return true;
  } catch (e) {
    loadError = (e as Error).message;
    traceNote(`libzstd.so.1 did not load: ${loadError}`);
    return false;
  }
}

function lib(): Binding {
  if (!libzstdAvailable()) throw new Error(`libzstd.so.1 did not load: ${loadError}`);
  return binding!;
}

/** A struct ZSTD_inBuffer / ZSTD_outBuffer in native memory: { pointer, size, pos }, 3 × 8 bytes. */
class StreamBuffer {
  readonly struct: unknown;
  readonly fields: DataView;
  readonly mem: unknown;
  readonly bytes: Uint8Array;
  constructor(readonly capacity: number) {
    const k = koffi();
    this.mem = k.alloc('uint8_t', capacity);
    this.bytes = new Uint8Array(k.view(this.mem, capacity));
    this.struct = k.alloc('uint8_t', 24);
    this.fields = new DataView(k.view(this.struct, 24));
    this.fields.setBigUint64(0, k.address(this.mem), true);
  }
  get size(): number { return Number(this.fields.getBigUint64(8, true)); }
  set size(n: number) { this.fields.setBigUint64(8, BigInt(n), true); }
  get pos(): number { return Number(this.fields.getBigUint64(16, true)); }
  set pos(n: number) { this.fields.setBigUint64(16, BigInt(n), true); }
  free(): void {
    koffi().free(this.mem);
    koffi().free(this.struct);
  }
}

/**
 * One zstd decompression stream (ZSTD_DStream). Feed it compressed chunks with `decompress`
 * (each yields the decompressed pieces, as copies), call `end` when the input is over, and
 * `free` in every case (its memory is not the garbage collector's).
 */
export class ZstdDecompressStream {
  private ds: unknown;
  private readonly input: StreamBuffer;
  private readonly output: StreamBuffer;
  /** The last ZSTD_decompressStream result: 0 at a frame boundary, > 0 inside a frame. */
  private hint = 0;
  private started = false;

  constructor() {
    const z = lib();
    this.ds = z.createDStream();
    if (!this.ds) throw new ZstdDataError('ZSTD_createDStream failed (out of memory)');
    try {
      this.check(z.initDStream(this.ds));
    } catch (e) {
      z.freeDStream(this.ds);
      throw e;
    }
    this.input = new StreamBuffer(z.inSize);
    this.output = new StreamBuffer(z.outSize);
    this.output.size = z.outSize;
  }

  private check(r: number | bigint): number {
    const z = lib();
    if (z.isError(r)) throw new ZstdDataError(String(z.getErrorName(r)));
    return Number(r);
  }

  /** Decompress one chunk; yields every fill of the output buffer (copied out). */
  *decompress(chunk: Uint8Array): Generator<Buffer> {
    const z = lib();
    const { input, output } = this;
    for (let off = 0; off < chunk.length; off += input.capacity) {
      const piece = chunk.subarray(off, off + input.capacity);
      input.bytes.set(piece);
      input.size = piece.length;
      input.pos = 0;
      this.started = true;
      // Call until the chunk is read and nothing is held back: a full output buffer may mean
      // the library has more to flush, unless it said the frame is complete (0). (Calling again
      // after 0 with no input would start waiting for the next frame's header.)
      for (;;) {
        output.pos = 0;
        this.hint = this.check(z.decompressStream(this.ds, output.struct, input.struct));
        const produced = output.pos;
        if (produced > 0) yield Buffer.from(output.bytes.subarray(0, produced));
        if (input.pos >= input.size && (produced < output.capacity || this.hint === 0)) break;
      }
    }
  }

  /** The input is over: it must have ended on a frame boundary (else it was cut short). */
  end(): void {
    if (!this.started) throw new ZstdDataError('no zstd data');
    if (this.hint !== 0) throw new ZstdDataError('the data ends inside a zstd frame (truncated)');
  }

  free(): void {
    if (!this.ds) return;
    lib().freeDStream(this.ds);
    this.ds = null;
    this.input.free();
    this.output.free();
  }
}
