import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ConversionRefusal, ConvertedContent } from './content-conversion.js';
import type { ContentReplacement } from './writer.js';

/** Why a replacement could not be converted; callers map `kind` to a status. */
export class ContentRefusedError extends Error {
  override readonly name = 'ContentRefusedError';
  constructor(
    /** limit: beyond MARKDOWN_LIMITS; target: the field is not text; timeout/memory: too costly; busy: queue full. */
    readonly kind: 'limit' | 'target' | 'timeout' | 'memory' | 'busy',
    message: string,
  ) {
    super(message);
  }
}

export interface ContentConverterConfiguration {
  /** Replacements shorter than this are converted inline: a worker round trip costs more. */
  inlineBelowChars: number;
  /** Worker threads at most (started on demand, stopped after `idleMs`). */
  threads: number;
  /** Conversions waiting for a thread at most; more are refused as busy. */
  maxQueue: number;
  /** A conversion running longer is stopped (its thread terminated) and refused. */
  timeoutMs: number;
  /** Heap of one worker thread; a conversion that needs more is refused. */
  workerHeapMb: number;
  idleMs: number;
}

export interface ContentConverter {
  /**
   * The update that applies `replacement` to the document encoded as `state`, with the
   * document's size and text afterwards. Throws `ContentRefusedError`.
   */
  convert(state: Uint8Array, replacement: ContentReplacement): Promise<ConvertedContent>;
  close(): Promise<void>;
}

// Compiled next to this file in dist/; from the TypeScript sources (tests) the same
// path leads out of src/ into the built dist/, which `tsc -b` has produced.
const WORKER_FILE = fileURLToPath(new URL('../../dist/documents/content-worker.js', import.meta.url));

/**
 * Converts REST content (Markdown or text) into Yjs updates. Small bodies inline; large
 * ones on a bounded pool of worker threads (piscina), so that parsing a 2 MB body never
 * holds the event loop: other requests keep being answered while it runs.
 */
export function createContentConverter(
  options: Partial<ContentConverterConfiguration> = {},
): ContentConverter {
  const configuration: ContentConverterConfiguration = {
    inlineBelowChars: 8_192,
    threads: Math.max(1, Math.min(2, availableParallelism() - 1)),
    maxQueue: 16,
    timeoutMs: 30_000,
    workerHeapMb: 1_024,
    idleMs: 30_000,
    ...options,
  };
  let pool: Piscina | undefined;
  const workers = () => {
    pool ??= new Piscina({
      filename: WORKER_FILE,
      minThreads: 0,
      maxThreads: configuration.threads,
      maxQueue: configuration.maxQueue,
      idleTimeout: configuration.idleMs,
      resourceLimits: { maxOldGenerationSizeMb: configuration.workerHeapMb },
    });
    return pool;
  };

  async function runInWorker(state: Uint8Array, replacement: ContentReplacement) {
    const pool = workers();
    if (pool.queueSize >= configuration.maxQueue) {
      throw new ContentRefusedError('busy', 'too many large content writes at once; retry shortly');
    }
    try {
      return await pool.run({ state, replacement }, { signal: AbortSignal.timeout(configuration.timeoutMs) });
    } catch (error) {
      const { name, code } = error as { name?: string; code?: string };
      if (name === 'AbortError' || name === 'TimeoutError') {
        throw new ContentRefusedError(
          'timeout',
          `the content took longer than ${configuration.timeoutMs} ms to convert`,
        );
      }
      if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new ContentRefusedError('memory', 'the content needs too much memory to convert');
      }
      throw error;
    }
  }

  return {
    async convert(state, replacement) {
      const size = 'text' in replacement ? replacement.text.length : replacement.markdown.length;
      // Loaded on first use: processes that never convert content (the collaboration
      // server, the CLI) do not load the parser and Tiptap's schema.
      const result: ConvertedContent | ConversionRefusal =
        size < configuration.inlineBelowChars
          ? (await import('./content-conversion.js')).convertContent(state, replacement)
          : await runInWorker(state, replacement);
      if ('refused' in result) throw new ContentRefusedError(result.refused, result.message);
      return result;
    },
    async close() {
      await pool?.destroy();
      pool = undefined;
    },
  };
}
