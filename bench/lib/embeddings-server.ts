import { createServer, type Server } from 'node:http';
import { textHash } from '../../src/memory/text.js';
import { random } from './stats.js';

/** A running local embeddings server. */
export interface EmbeddingsServer {
  /** Base URL ending in /v1. */
  url: string;
  /** Embeddings requests answered. */
  requests: number;
  /** Texts embedded. */
  texts: number;
  /** Stop it. */
  close: () => Promise<void>;
}

/**
 * A local OpenAI-compatible `/v1/embeddings` server for the benchmarks:
 * the vector given in `known` for a text it knows (the benchmark's
 * queries, so that they land near their topic), else a deterministic unit
 * vector drawn from the text's hash; requests and texts are counted.
 * @param dim - vector dimensions
 * @param known - vectors for some texts
 */
export async function embeddingsServer(
  dim: number,
  known: ReadonlyMap<string, Float32Array> = new Map(),
): Promise<EmbeddingsServer> {
  const state: EmbeddingsServer = { url: '', requests: 0, texts: 0, close: () => Promise.resolve() };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ data: [{ id: `bench-${dim}` }] }));
        return;
      }
      const parsed = JSON.parse(body) as { input: string[] };
      state.requests += 1;
      state.texts += parsed.input.length;
      const data = parsed.input.map((text, index) => {
        const given = known.get(text);
        if (given !== undefined) return { index, embedding: Array.from(given) };
        const next = random(Number.parseInt(textHash(text).slice(0, 8), 16));
        const vector = Array.from(
          { length: dim },
          () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next()),
        );
        const norm = Math.hypot(...vector) || 1;
        return { index, embedding: vector.map((value) => value / norm) };
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/v1`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
