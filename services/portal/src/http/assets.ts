import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

import { securityHeaders } from './security';

// Two small files, read once: the stylesheet and the progressive-enhancement script.
const ASSETS_DIR = path.resolve(__dirname, '..', '..', 'src', 'assets');
const ASSETS = {
  'portal.css': 'text/css; charset=utf-8',
  'portal.js': 'text/javascript; charset=utf-8',
} as const;

export function assetRoutes(app: FastifyInstance): void {
  for (const [name, type] of Object.entries(ASSETS)) {
    const body = readFileSync(path.join(ASSETS_DIR, name));
    app.get(`/assets/${name}`, { config: { access: { public: true } } }, async (_request, reply) => {
      securityHeaders(reply, false);
      return reply.type(type).header('cache-control', 'public, max-age=300').send(body);
    });
  }
}
