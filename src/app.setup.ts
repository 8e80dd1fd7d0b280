import type { NestExpressApplication } from '@nestjs/platform-express';

/** HTTP settings every run of the app uses (`main.ts`, and the benchmark's copy of it). */
export function setUpHttpApp(app: NestExpressApplication, env: NodeJS.ProcessEnv = process.env): void {
  app.set('trust proxy', env.TRUST_PROXY === 'true');
  app.disable('x-powered-by');
  app.enableShutdownHooks();
}
